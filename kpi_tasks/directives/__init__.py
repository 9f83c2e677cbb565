"""Directives (văn bản chỉ đạo): the documents that tasks come from."""
