"""What the pages and the API accept: forms and parameter fields, one validation for both doors."""
