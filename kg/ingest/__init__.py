"""Ingest: files -> RDF in the store. Mapping files (`schema`), the row mapper (`mapper`), reading CSV, gzip
and XLSX (`sources`), code lists (`concepts`), places (`gazetteer`), the loader that builds and loads
stores all or nothing (`loader`), organisation matching (`organisations`), and the shipped `mappings/`."""
