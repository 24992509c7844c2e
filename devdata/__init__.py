"""Development data: the national data set the benchmarks and load tests run on. Nothing in production
imports this app; it only writes through the models and the database."""
