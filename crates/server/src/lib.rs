//! axum HTTP routes over itinera-service, and the built editor.
