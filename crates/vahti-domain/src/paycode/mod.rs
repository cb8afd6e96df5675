//! Payment codes printed on reminders: the Finnish virtual bank barcode and the EPC QR payload.
