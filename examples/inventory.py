import json
import os


def load_config(path):
    with open(path) as f:
        return json.load(f)


def is_empty(items):
    return len(items) == 0


def find_files(root, extension):
    result = []
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith(extension):
                result.append(os.path.join(dirpath, name))
    return result


class Inventory:
    def __init__(self):
        self.items = {}

    def add_item(self, name, quantity):
        self.items[name] = self.items.get(name, 0) + quantity

    def remove_item(self, name):
        del self.items[name]

    def total_quantity(self):
        return sum(self.items.values())
