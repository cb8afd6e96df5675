//! The EPC QR code drawn as a PNG image for the HTML part.
//!
//! The QR matrix comes from the `qrcode` crate at the error-correction level EPC069-12 prescribes
//! ([`EPC_QR_ERROR_CORRECTION`], level M). The PNG is a 1-bit grayscale image with a quiet zone
//! of four modules on each side, the minimum ISO/IEC 18004 requires for a reader to find the code.

use qrcode::{Color, EcLevel, QrCode};
use vahti_domain::ErrorCode;
use vahti_domain::paycode::{EPC_QR_ERROR_CORRECTION, QrErrorCorrection};

/// The width of one QR module in pixels.
pub const MODULE_PIXELS: usize = 4;

/// The width of the quiet zone around the code, in modules.
pub const QUIET_ZONE_MODULES: usize = 4;

/// A QR code as a PNG image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrImage {
    /// The PNG file.
    pub png: Vec<u8>,
    /// The width and height in pixels, quiet zone included.
    pub size_pixels: u32,
}

/// Draws `payload` as a QR code at the EPC error-correction level.
///
/// # Errors
///
/// [`QrError::Encode`] when the payload does not fit a QR code, and [`QrError::Png`] when the
/// PNG encoder fails.
pub fn epc_qr_png(payload: &str) -> Result<QrImage, QrError> {
    let code =
        QrCode::with_error_correction_level(payload.as_bytes(), ec_level()).map_err(|error| {
            QrError::Encode {
                reason: error.to_string(),
            }
        })?;
    let modules = code.width();
    let colors = code.to_colors();

    let side_modules = modules + 2 * QUIET_ZONE_MODULES;
    let side_pixels = side_modules * MODULE_PIXELS;
    let row_bytes = side_pixels.div_ceil(8);

    // Bit depth 1: a set bit is white, a clear bit black, the most significant bit first.
    let mut pixels = vec![0xFF_u8; row_bytes * side_pixels];
    for y in 0..modules {
        for x in 0..modules {
            if colors.get(y * modules + x) != Some(&Color::Dark) {
                continue;
            }
            for dy in 0..MODULE_PIXELS {
                for dx in 0..MODULE_PIXELS {
                    let px = (x + QUIET_ZONE_MODULES) * MODULE_PIXELS + dx;
                    let py = (y + QUIET_ZONE_MODULES) * MODULE_PIXELS + dy;
                    if let Some(byte) = pixels.get_mut(py * row_bytes + px / 8) {
                        *byte &= !(0x80 >> (px % 8));
                    }
                }
            }
        }
    }

    let size_pixels = u32::try_from(side_pixels).map_err(|_| QrError::Encode {
        reason: format!("the image would be {side_pixels} pixels wide"),
    })?;
    let png = encode_png(&pixels, size_pixels)?;
    Ok(QrImage { png, size_pixels })
}

fn encode_png(pixels: &[u8], size_pixels: u32) -> Result<Vec<u8>, QrError> {
    let png_error = |error: png::EncodingError| QrError::Png {
        reason: error.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size_pixels, size_pixels);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Every module is MODULE_PIXELS rows tall, so most rows repeat the row above: the Up filter
    // turns them into zeros and the fastest DEFLATE packs the rest. The default (adaptive
    // filters, zlib level 6) took about 14 million instructions per image, most of the cost of
    // rendering a whole email; this takes a small fraction of that for a file of about 1.4 KB.
    encoder.set_compression(png::Compression::Fastest);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(pixels).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

fn ec_level() -> EcLevel {
    match EPC_QR_ERROR_CORRECTION {
        QrErrorCorrection::Low => EcLevel::L,
        QrErrorCorrection::Medium => EcLevel::M,
        QrErrorCorrection::Quartile => EcLevel::Q,
        QrErrorCorrection::High => EcLevel::H,
    }
}

/// A QR code that could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    /// The payload does not fit a QR code.
    #[error("the EPC QR payload cannot be encoded as a QR code: {reason}")]
    Encode {
        /// The encoder's error message.
        reason: String,
    },
    /// The PNG encoder failed.
    #[error("the QR code image could not be encoded as PNG: {reason}")]
    Png {
        /// The encoder's error message.
        reason: String,
    },
}

impl ErrorCode for QrError {
    fn code(&self) -> &'static str {
        match self {
            QrError::Encode { .. } => "mail_qr_encode_failed",
            QrError::Png { .. } => "mail_qr_png_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "BCD\n002\n1\nSCT\nOKOYFIHH\nLumipuu Oy\nFI4950009420028730\nEUR1339.1\n\nRF1120014\n\nReqdExctnDt/2026-03-31";

    /// Decodes the PNG to 8-bit luma and reads the QR code back with an independent decoder.
    fn read_back(image: &QrImage) -> (String, usize) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(image.png.clone()));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        let width = info.width as usize;
        let height = info.height as usize;
        // EXPAND turns 1-bit gray into 8-bit gray with 0 for black and 255 for white.
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
            buffer[y * info.line_size + x]
        });
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        (content, width)
    }

    #[test]
    fn png_decodes_to_payload() {
        let image = epc_qr_png(PAYLOAD).unwrap();
        let (content, _) = read_back(&image);
        assert_eq!(content, PAYLOAD);
    }

    #[test]
    fn image_has_quiet_zone() {
        let image = epc_qr_png(PAYLOAD).unwrap();
        let code = QrCode::with_error_correction_level(PAYLOAD.as_bytes(), EcLevel::M).unwrap();
        let expected = (code.width() + 2 * QUIET_ZONE_MODULES) * MODULE_PIXELS;
        assert_eq!(image.size_pixels as usize, expected);
        let (_, width) = read_back(&image);
        assert_eq!(width, expected);
    }

    #[test]
    fn level_is_medium() {
        assert_eq!(ec_level(), EcLevel::M);
    }

    #[test]
    fn png_starts_with_signature() {
        let image = epc_qr_png("BCD").unwrap();
        assert!(image.png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn png_stays_small() {
        // The raw image is 35 bytes per row for 140 rows (4,900 bytes); the fast compression
        // must still make a small inline attachment of it.
        let image = epc_qr_png(PAYLOAD).unwrap();
        let raw = (image.size_pixels as usize).div_ceil(8) * image.size_pixels as usize;
        assert!(
            image.png.len() * 3 < raw,
            "{} bytes of PNG for {raw} raw",
            image.png.len()
        );
        assert!(image.png.len() < 2048, "{} bytes of PNG", image.png.len());
    }

    #[test]
    fn oversized_payload_fails() {
        let error = epc_qr_png(&"x".repeat(5000)).unwrap_err();
        assert_eq!(error.code(), "mail_qr_encode_failed");
    }
}
