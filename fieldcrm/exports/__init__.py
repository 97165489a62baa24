"""Exports of a list or a segment to CSV (French Excel) and XLSX, and a contact as a vCard."""
