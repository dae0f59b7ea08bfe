/**
 * Retrieval scoped to a project: a function's neighbour is the most similar documented function of
 * the same project, from another file. This is what a user's workspace offers at inference time
 * (the workspace index), so a model trained on a corpus of many projects is given its neighbours
 * the same way: from its own project's other files, never from a foreign project. Records without
 * a project share one memory (a corpus mined from a single folder is one project).
 *
 * One BM25 index per project, built on first use and kept; a corpus of a thousand projects builds
 * a thousand small indexes, which is far cheaper than one large index queried with a filter.
 */
import { ExampleMemory, type MemoryKind } from './retrieval';

export interface ProjectRecord {
  readonly project?: string;
  readonly path: string;
  readonly code: string;
  readonly summary: string;
}

/** The project a record belongs to ('' when the corpus does not say). */
export const projectOf = (r: Pick<ProjectRecord, 'project'>): string => r.project ?? '';

export class ProjectMemories {
  private readonly byProject = new Map<string, ProjectRecord[]>();
  private readonly built = new Map<string, ExampleMemory>();

  constructor(
    records: Iterable<ProjectRecord>,
    readonly kind: MemoryKind,
  ) {
    for (const r of records) {
      const key = projectOf(r);
      let list = this.byProject.get(key);
      if (!list) this.byProject.set(key, (list = []));
      list.push(r);
    }
  }

  /** Projects and how many documented functions each holds. */
  get projects(): ReadonlyMap<string, number> {
    return new Map([...this.byProject].map(([k, v]) => [k, v.length]));
  }

  /** The memory of `project`, or undefined when the project has no documented function. */
  memory(project: string): ExampleMemory | undefined {
    let m = this.built.get(project);
    if (!m) {
      const records = this.byProject.get(project);
      if (!records) return undefined;
      m = ExampleMemory.build(records, this.kind);
      this.built.set(project, m);
    }
    return m;
  }

  /** The neighbour of `r` in its own project, from another file. */
  lookup(r: Pick<ProjectRecord, 'project' | 'path' | 'code'>): ReturnType<ExampleMemory['lookup']> {
    return this.memory(projectOf(r))?.lookup(r.code, r.path);
  }

  /** The text put before `r`'s code: its project neighbour's marked summary, or undefined. */
  prefix(r: Pick<ProjectRecord, 'project' | 'path' | 'code'>): string | undefined {
    const m = this.memory(projectOf(r));
    const text = m?.prefixOf(m.lookup(r.code, r.path));
    return text ? text : undefined;
  }
}
