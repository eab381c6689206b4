"""The thin JSON:API 1.0 envelope: parse documents in, render resources and lists out.

One module per concern: `dump` (ResourceSchema and its fast dump), `parsing` (request
documents), `rendering` (resource objects and the document envelope), `includes`
(`include=`: compound documents), `pages` (pagination). The public names are
re-exported here."""

from api.jsonapi.dump import ResourceSchema, dasherize
from api.jsonapi.includes import (
    MAX_INCLUDE_DEPTH,
    RESOURCE_TYPES,
    ResourceType,
    ToMany,
    compound,
    include_paths,
    resource_type,
)
from api.jsonapi.pages import MAX_PAGE_NUMBER, page_args, page_document
from api.jsonapi.parsing import (
    ACCEPTED_TYPES,
    load_attributes,
    parse_resource,
    relationship_id,
    request_json,
)
from api.jsonapi.rendering import check_sparse_fields, document, resource, sparse_fields

__all__ = [
    "ACCEPTED_TYPES", "MAX_INCLUDE_DEPTH", "MAX_PAGE_NUMBER", "RESOURCE_TYPES", "ResourceSchema",
    "ResourceType", "ToMany", "check_sparse_fields", "compound", "dasherize", "document",
    "include_paths",
    "load_attributes", "page_args", "page_document", "parse_resource", "relationship_id",
    "request_json", "resource", "resource_type", "sparse_fields",
]
