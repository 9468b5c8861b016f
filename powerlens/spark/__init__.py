"""PowerLens on Apache Spark (docs/spark.md): the local session the tests and tools share with
dbt-spark's `session` method, and tools to compare a Spark build with the DuckDB build."""
