"""The native (PyTorch) training engine of Seq2Seq Studio: a twin of src/core's models."""
