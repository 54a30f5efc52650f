//! The Jupyter messaging protocol (5.4) over ZeroMQ. Knows nothing about ksqlDB.
