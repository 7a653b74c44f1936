"""Publishing: what the pages show of an entity, index and search (`describe`), the dataset's DCAT-AP
and VoID description (`catalog`), and dumps and dated releases (`release`)."""
