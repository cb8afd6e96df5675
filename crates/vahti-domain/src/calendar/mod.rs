//! Banking days, Finnish public holidays and send windows in a time zone.
