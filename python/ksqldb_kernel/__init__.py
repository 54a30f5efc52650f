"""The ksqlDB Jupyter kernel, as a Python package: the Rust binary `ksqldb-kernel` (installed in
the environment's scripts folder), the kernelspec (in `<prefix>/share/jupyter/kernels/ksqldb`),
a launcher that kernel.json starts (`python -m ksqldb_kernel`), and a papermill parameter
translator for the language `ksql`."""
