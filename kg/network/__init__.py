"""Collaboration networks built from the store by SPARQL (`build`), their measures (`metrics`),
recommendations (`recommend`), and the data behind the network and map pages (`view_data`)."""
