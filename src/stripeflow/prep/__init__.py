"""Data Prep: mapping sets, the expression language, compiled mappers and record validation against XDM schemas."""
