"""Running queries: the saved queries and their parameters (`saved`), and the pool of worker processes
that answers the web service's queries with a time limit and a result-size limit (`executor`)."""
