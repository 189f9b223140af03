"""Reading the data files: schemas, CSV and Parquet (and folders of parts), cell and row checks, the CSL."""
