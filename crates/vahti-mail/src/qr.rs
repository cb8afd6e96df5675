//! The EPC QR code drawn as a PNG image for the HTML part.
//!
//! The QR matrix comes from the `qrcode` crate at the error-correction level EPC069-12 prescribes
//! ([`EPC_QR_ERROR_CORRECTION`], level M). The PNG is a 1-bit grayscale image with a quiet zone
//! of four modules on each side, the minimum ISO/IEC 18004 requires for a reader to find the code.

use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel};
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
    let (modules, colors) = qr_modules(payload)?;

    let side_modules = modules + 2 * QUIET_ZONE_MODULES;
    let side_pixels = side_modules * MODULE_PIXELS;
    let row_bytes = side_pixels.div_ceil(8);

    // Bit depth 1: a set bit is white, a clear bit black, the most significant bit first. Each
    // module row is drawn once and copied to the MODULE_PIXELS pixel rows it covers.
    let mut pixels = vec![0xFF_u8; row_bytes * side_pixels];
    let mut drawn = vec![0xFF_u8; row_bytes];
    for (y, modules_row) in colors.chunks_exact(modules).enumerate() {
        drawn.fill(0xFF);
        for (x, color) in modules_row.iter().enumerate() {
            if *color != Color::Dark {
                continue;
            }
            let first = (x + QUIET_ZONE_MODULES) * MODULE_PIXELS;
            for px in first..first + MODULE_PIXELS {
                if let Some(byte) = drawn.get_mut(px / 8) {
                    *byte &= !(0x80 >> (px % 8));
                }
            }
        }
        let top = (y + QUIET_ZONE_MODULES) * MODULE_PIXELS;
        for py in top..top + MODULE_PIXELS {
            if let Some(row) = pixels.get_mut(py * row_bytes..(py + 1) * row_bytes) {
                row.copy_from_slice(&drawn);
            }
        }
    }

    let size_pixels = u32::try_from(side_pixels).map_err(|_| QrError::Encode {
        reason: format!("the image would be {side_pixels} pixels wide"),
    })?;
    let png = encode_png(&pixels, size_pixels)?;
    Ok(QrImage { png, size_pixels })
}

/// Encodes `payload` as a QR symbol and returns its width in modules and its modules row by row.
///
/// The `qrcode` crate encodes the data, the error correction and the function patterns, and
/// the mask is chosen here. `QrCode` scores the eight masks in about 8 million instructions per
/// symbol, most of the cost of rendering an email, while [`penalty`] scores all eight in about
/// 1 million (callgrind, the benchmark's emails).
fn qr_modules(payload: &str) -> Result<(usize, Vec<Color>), QrError> {
    let encode_error = |error: qrcode::types::QrError| QrError::Encode {
        reason: error.to_string(),
    };
    let bits = qrcode::bits::encode_auto(payload.as_bytes(), ec_level()).map_err(encode_error)?;
    let version = bits.version();
    let data = bits.into_bytes();
    let (codewords, correction) =
        qrcode::ec::construct_codewords(&data, version, ec_level()).map_err(encode_error)?;
    let mut canvas = Canvas::new(version, ec_level());
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&codewords, &correction);

    let width = usize::try_from(version.width()).map_err(|_| QrError::Encode {
        reason: format!("the symbol width {} is negative", version.width()),
    })?;
    let mut best: Option<(u32, Vec<Color>)> = None;
    for pattern in MASKS {
        let mut masked = canvas.clone();
        masked.apply_mask(pattern);
        let colors = masked.into_colors();
        let score = penalty(&colors, width);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, colors));
        }
    }
    best.map(|(_, colors)| (width, colors))
        .ok_or_else(|| QrError::Encode {
            reason: "no mask pattern was tried".to_owned(),
        })
}

/// The eight mask patterns of a QR symbol, in the order of their pattern references 000-111.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Scores a masked symbol by the four penalty rules of ISO/IEC 18004; the lowest score wins.
///
/// - A run of five or more modules of one colour in a row or column costs 3, plus 1 per module
///   past five.
/// - A 2x2 block of one colour costs 3.
/// - The finder-like pattern 1:1:3:1:1 with four light modules on one side costs 40.
/// - The share of dark modules costs 10 per full 5% away from half.
fn penalty(colors: &[Color], width: usize) -> u32 {
    if width == 0 {
        return 0;
    }
    let rows: Vec<bool> = colors.iter().map(|color| *color == Color::Dark).collect();
    let mut columns = vec![false; rows.len()];
    for (y, row) in rows.chunks_exact(width).enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if let Some(module) = columns.get_mut(x * width + y) {
                *module = *dark;
            }
        }
    }

    let mut score = 0_u32;
    for (row, column) in rows.chunks_exact(width).zip(columns.chunks_exact(width)) {
        score += line_penalty(row.iter().copied());
        score += line_penalty(column.iter().copied());
    }
    for (above, below) in rows
        .chunks_exact(width)
        .zip(rows.chunks_exact(width).skip(1))
    {
        for ((upper, lower), (upper_left, lower_left)) in
            above.iter().zip(below).skip(1).zip(above.iter().zip(below))
        {
            if upper == lower && upper_left == lower && lower_left == lower {
                score += 3;
            }
        }
    }
    let total = rows.len().max(1);
    let dark_count = rows.iter().filter(|dark| **dark).count();
    // |dark / total - 1/2| in whole steps of 5%, computed in integers.
    let deviation = (dark_count * 20).abs_diff(total * 10) / total;
    score + 10 * u32::try_from(deviation).unwrap_or(u32::MAX / 20)
}

/// Scores the runs and finder-like patterns of one row or column.
fn line_penalty(line: impl Iterator<Item = bool>) -> u32 {
    const FINDER_BEFORE: u16 = 0b000_0101_1101; // 0000 1011101, light modules first
    const FINDER_AFTER: u16 = 0b101_1101_0000; // 1011101 0000
    const WINDOW: u16 = 0b111_1111_1111;

    let finder = |recent: u16| {
        if recent == FINDER_BEFORE || recent == FINDER_AFTER {
            40
        } else {
            0
        }
    };
    let run_penalty = |run: u32| if run >= 5 { run - 2 } else { 0 };

    let mut score = 0;
    let mut run = 0_u32;
    let mut previous = None;
    // The last eleven modules, the newest in the lowest bit. It starts all light, since the
    // quiet zone before the line is light.
    let mut recent = 0_u16;
    for module in line {
        recent = ((recent << 1) | u16::from(module)) & WINDOW;
        score += finder(recent);
        if previous == Some(module) {
            run += 1;
        } else {
            score += run_penalty(run);
            run = 1;
            previous = Some(module);
        }
    }
    score += run_penalty(run);

    // The quiet zone after the line is light too. It counts for the finder-like pattern only.
    for _ in 0..4 {
        recent = (recent << 1) & WINDOW;
        score += finder(recent);
    }
    score
}

fn encode_png(pixels: &[u8], size_pixels: u32) -> Result<Vec<u8>, QrError> {
    let png_error = |error: png::EncodingError| QrError::Png {
        reason: error.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, size_pixels, size_pixels);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Every module is MODULE_PIXELS rows tall, so most rows repeat the row above. The Up filter
    // turns them into zeros and the fastest DEFLATE packs the rest into about 1.4 KB. The
    // default (adaptive filters, zlib level 6) took about 14 million instructions per image,
    // most of the cost of rendering a whole email.
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
    use qrcode::QrCode;

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
    fn many_payloads_read_back() {
        for amount in ["0.01", "15.5", "1339.10", "99999.99", "123456789.99"] {
            for text in [
                "",
                "Lasku 12345",
                "Återbetalning av förskott, faktura 2026-000117",
            ] {
                let payload = format!(
                    "BCD\n002\n1\nSCT\nOKOYFIHH\nLumipuu Oy\nFI4950009420028730\nEUR{amount}\n\n\n{text}\n"
                );
                let (content, _) = read_back(&epc_qr_png(&payload).unwrap());
                assert_eq!(content, payload);
            }
        }
    }

    #[test]
    fn size_matches_the_qrcode_crate() {
        let (width, colors) = qr_modules(PAYLOAD).unwrap();
        let code = QrCode::with_error_correction_level(PAYLOAD.as_bytes(), EcLevel::M).unwrap();
        assert_eq!(width, code.width());
        assert_eq!(colors.len(), width * width);
    }

    fn line(pattern: &str) -> u32 {
        line_penalty(pattern.chars().map(|module| module == '1'))
    }

    #[test]
    fn long_runs_penalised() {
        assert_eq!(line("1010"), 0);
        assert_eq!(line("0101111"), 0);
        assert_eq!(line("01011111"), 3);
        assert_eq!(line("0101111111"), 5);
        assert_eq!(line("10111110"), 3);
        assert_eq!(line("1111101111111"), 3 + 5);
    }

    #[test]
    fn finder_patterns_penalised() {
        // Light on the right inside the line, and the quiet zone counts as light on the left.
        assert_eq!(line("10111010000"), 40 + 40);
        assert_eq!(line("10101110101"), 0);
        // Light only inside the line on the left, and the line ends with the pattern.
        assert_eq!(line("1100001011101"), 40 + 40);
    }

    #[test]
    fn blocks_and_dark_share() {
        // All light 3x3: six runs of three cost nothing, four 2x2 blocks cost 3 each, and 0%
        // dark is ten 5% steps from half.
        let light = vec![Color::Light; 9];
        assert_eq!(penalty(&light, 3), 4 * 3 + 100);
        // A checkerboard has no runs, blocks or finder patterns and 5 of 9 modules dark (55%).
        let board: Vec<Color> = (0..9)
            .map(|index| {
                if index % 2 == 0 {
                    Color::Dark
                } else {
                    Color::Light
                }
            })
            .collect();
        assert_eq!(penalty(&board, 3), 10);
    }

    #[test]
    fn blocks_and_columns_scored() {
        // Six by six, the top row dark and the rest light. Rows and columns differ, so a mix-up
        // of the two shows.
        let width = 6;
        let modules: Vec<Color> = (0..width * width)
            .map(|index| {
                if index < width {
                    Color::Dark
                } else {
                    Color::Light
                }
            })
            .collect();
        let rows = 6 * 4; // each row is one run of six: 3 + 1
        let columns = 6 * 3; // each column ends in a light run of five
        let blocks = 4 * 5 * 3; // 2x2 light blocks: four row pairs, five column pairs
        let dark_share = 10 * 6; // 6 of 36 dark is 16.7%, six whole 5% steps from half
        assert_eq!(
            penalty(&modules, width),
            rows + columns + blocks + dark_share
        );
    }

    #[test]
    fn pixels_match_modules() {
        let (modules, colors) = qr_modules(PAYLOAD).unwrap();
        let image = epc_qr_png(PAYLOAD).unwrap();
        let mut decoder = png::Decoder::new(std::io::Cursor::new(image.png.clone()));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        let side = modules + 2 * QUIET_ZONE_MODULES;
        for y in 0..side * MODULE_PIXELS {
            for x in 0..side * MODULE_PIXELS {
                let (mx, my) = (x / MODULE_PIXELS, y / MODULE_PIXELS);
                let inside = (QUIET_ZONE_MODULES..QUIET_ZONE_MODULES + modules).contains(&mx)
                    && (QUIET_ZONE_MODULES..QUIET_ZONE_MODULES + modules).contains(&my);
                let dark = inside
                    && colors[(my - QUIET_ZONE_MODULES) * modules + mx - QUIET_ZONE_MODULES]
                        == Color::Dark;
                let pixel = buffer[y * info.line_size + x];
                assert_eq!(pixel == 0, dark, "pixel ({x}, {y})");
            }
        }
    }

    #[test]
    fn png_stays_small() {
        // The raw image is 25 bytes per row for 196 rows (4,900 bytes). The fast compression
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
