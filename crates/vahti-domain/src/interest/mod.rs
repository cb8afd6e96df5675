//! Penalty interest under the Finnish Interest Act (633/1982).
