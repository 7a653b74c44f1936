"""Running queries: the saved queries and their parameters (`saved`), and the executors that answer the web
service's queries with a time limit and a result-size limit (`executor`, over `pool`, `answer` and `cache`)."""
