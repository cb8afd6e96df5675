//! Service functions of this resource; being written.
