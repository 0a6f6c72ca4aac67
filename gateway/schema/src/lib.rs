//! Payload schema checks: XSD through libxml2, JSON Schema through jsonschema.
