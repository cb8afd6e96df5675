//! The EPC QR code drawn as a PNG image for the HTML part.
//!
//! The QR matrix comes from the `qrcode` crate at the error-correction level EPC069-12 prescribes
//! ([`EPC_QR_ERROR_CORRECTION`], level M). The PNG is a 1-bit grayscale image with a quiet zone
//! of four modules on each side, the minimum ISO/IEC 18004 requires for a reader to find the code.

use std::sync::OnceLock;

use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::{Color, EcLevel, Version};
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
/// symbol, most of the cost of rendering an email. Symbols up to [`MAX_SET_WIDTH`] modules wide
/// are masked and scored on bit sets ([`masked_on_bit_sets`]), which covers every EPC payload.
/// Wider ones are scored module by module with [`penalty`].
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
    if let Some(masked) = masked_on_bit_sets(&canvas, version) {
        return Ok((width, masked.colors()));
    }
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

/// The widest symbol masked and scored on bit sets: a line with four light modules on each side
/// must fit in a `u128`. That is version 25 (117 modules). An EPC payload of the maximum 331
/// bytes needs version 13 at level M.
const MAX_SET_WIDTH: usize = 120;

/// A square symbol as bit sets: bit `x` of `rows[y]` and bit `y` of `columns[x]` are set when
/// the module at column `x` and row `y` is dark.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModuleSets {
    width: usize,
    rows: Vec<u128>,
    columns: Vec<u128>,
}

impl ModuleSets {
    fn light(width: usize) -> Self {
        ModuleSets {
            width,
            rows: vec![0; width],
            columns: vec![0; width],
        }
    }

    /// Reads the modules of `canvas` that `dark` picks.
    fn read(canvas: &Canvas, width: usize, dark: impl Fn(Module) -> bool) -> Self {
        let mut sets = ModuleSets::light(width);
        for (y, coordinate_y) in (0..width).zip(0_i16..) {
            for (x, coordinate_x) in (0..width).zip(0_i16..) {
                if dark(canvas.get(coordinate_x, coordinate_y)) {
                    sets.set_dark(x, y);
                }
            }
        }
        sets
    }

    fn set_dark(&mut self, x: usize, y: usize) {
        if let Some(row) = self.rows.get_mut(y) {
            *row |= 1 << x;
        }
        if let Some(column) = self.columns.get_mut(x) {
            *column |= 1 << y;
        }
    }

    /// Returns the modules that are dark in exactly one of the two.
    fn toggled(&self, other: &ModuleSets) -> ModuleSets {
        let xor = |own: &[u128], theirs: &[u128]| -> Vec<u128> {
            own.iter().zip(theirs).map(|(a, b)| a ^ b).collect()
        };
        ModuleSets {
            width: self.width,
            rows: xor(&self.rows, &other.rows),
            columns: xor(&self.columns, &other.columns),
        }
    }

    /// Lists the modules row by row, as the `qrcode` crate does.
    fn colors(&self) -> Vec<Color> {
        let mut colors = Vec::with_capacity(self.width * self.width);
        for row in &self.rows {
            for x in 0..self.width {
                colors.push(if row >> x & 1 == 1 {
                    Color::Dark
                } else {
                    Color::Light
                });
            }
        }
        colors
    }
}

/// The eight masked forms of a symbol version without data: function patterns, version
/// information and the format information of each mask as drawn, and every data module set to
/// the mask's value.
struct MaskTemplates {
    masked: Vec<ModuleSets>,
}

/// Templates per error-correction level (as [`EcLevel`] numbers them) and version 1 to 40, built
/// on first use.
static TEMPLATES: [[OnceLock<MaskTemplates>; 40]; 4] =
    [const { [const { OnceLock::new() }; 40] }; 4];

fn mask_templates(version: Version, width: usize) -> Option<&'static MaskTemplates> {
    let Version::Normal(number) = version else {
        return None;
    };
    let level = TEMPLATES.get(ec_level() as usize)?;
    let slot = level.get(usize::try_from(number).ok()?.checked_sub(1)?)?;
    Some(slot.get_or_init(|| {
        let mut blank = Canvas::new(version, ec_level());
        blank.draw_all_functional_patterns();
        let masked = MASKS
            .iter()
            .map(|pattern| {
                let mut canvas = blank.clone();
                canvas.apply_mask(*pattern);
                ModuleSets::read(&canvas, width, Module::is_dark)
            })
            .collect();
        MaskTemplates { masked }
    }))
}

/// Masks the symbol of `canvas` with the mask of the lowest [`penalty`], or `None` for a symbol
/// wider than [`MAX_SET_WIDTH`] or a Micro QR version.
///
/// Masking inverts a data module where the mask's value is dark and leaves function modules as
/// they are, then draws the format information. A template without data contains exactly the mask
/// values on its data modules, so the masked symbol is the template with the dark data modules
/// toggled. The `qrcode` crate leaves data modules it has no bits for empty, and masking treats
/// them as light, as the template does.
fn masked_on_bit_sets(canvas: &Canvas, version: Version) -> Option<ModuleSets> {
    let width = usize::try_from(version.width()).ok()?;
    if width > MAX_SET_WIDTH {
        return None;
    }
    let templates = mask_templates(version, width)?;
    let data = ModuleSets::read(canvas, width, |module| {
        module == Module::Unmasked(Color::Dark)
    });
    let mut best: Option<(u32, ModuleSets)> = None;
    for template in &templates.masked {
        let masked = template.toggled(&data);
        let score = set_penalty(&masked);
        if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
            best = Some((score, masked));
        }
    }
    best.map(|(_, masked)| masked)
}

/// Computes [`penalty`] on bit sets, many modules per instruction. The tests check that both
/// give the same score.
fn set_penalty(sets: &ModuleSets) -> u32 {
    let width = sets.width;
    if width == 0 {
        return 0;
    }
    let mut score = 0_u32;
    for line in sets.rows.iter().chain(&sets.columns) {
        // Shifts of a u128 take several instructions each, so narrow symbols use a u64.
        score += match u64::try_from(*line) {
            Ok(narrow) if width + 8 <= 64 => set_line_penalty(narrow, width),
            _ => set_line_penalty(*line, width),
        };
    }
    // Bit x is set when modules x and x + 1 of both rows have one colour.
    let pairs = (1_u128 << (width - 1)) - 1;
    for (above, below) in sets.rows.iter().zip(sets.rows.iter().skip(1)) {
        let dark = above & below & (above >> 1) & (below >> 1);
        let light = !(above | below | (above >> 1) | (below >> 1));
        score += 3 * ((dark | light) & pairs).count_ones();
    }
    let total = width * width;
    let dark_count = sets
        .rows
        .iter()
        .map(|row| row.count_ones() as usize)
        .sum::<usize>();
    let deviation = (dark_count * 20).abs_diff(total * 10) / total;
    score + 10 * u32::try_from(deviation).unwrap_or(u32::MAX / 20)
}

/// An unsigned integer wide enough for one row or column with four light modules on each side.
trait LineBits:
    Copy
    + std::ops::Shl<usize, Output = Self>
    + std::ops::Shr<usize, Output = Self>
    + std::ops::BitAnd<Output = Self>
    + std::ops::BitOr<Output = Self>
    + std::ops::BitXor<Output = Self>
    + std::ops::Not<Output = Self>
    + std::ops::Sub<Output = Self>
{
    const ONE: Self;

    fn count_dark(self) -> u32;
}

impl LineBits for u64 {
    const ONE: Self = 1;

    fn count_dark(self) -> u32 {
        self.count_ones()
    }
}

impl LineBits for u128 {
    const ONE: Self = 1;

    fn count_dark(self) -> u32 {
        self.count_ones()
    }
}

/// Computes [`line_penalty`] of one row or column of `width` modules, module `x` in bit `x`.
/// The type must have at least `width + 8` bits.
fn set_line_penalty<L: LineBits>(line: L, width: usize) -> u32 {
    // Runs: bit x is set when modules x to x + 4 have one colour. A run of n >= 5 modules contains
    // n - 4 such windows and costs n - 2, so each run adds 2 to its count of windows.
    let pairs = (L::ONE << (width - 1)) - L::ONE;
    let same = !(line ^ (line >> 1)) & pairs;
    let windows = same & (same >> 1) & (same >> 2) & (same >> 3);
    let runs = windows & !(windows << 1);
    let mut score = windows.count_dark() + 2 * runs.count_dark();

    // Finder-like patterns: four light modules of the quiet zone on each side, so module x is
    // bit x + 4 and the line spans width + 8 bits.
    let padded = line << 4;
    let light = !padded;
    let span = width + 8;
    let core = padded
        & (light >> 1)
        & (padded >> 2)
        & (padded >> 3)
        & (padded >> 4)
        & (light >> 5)
        & (padded >> 6);
    let four_light = light & (light >> 1) & (light >> 2) & (light >> 3);
    // A pattern of 11 modules starts at a bit from 0 to span - 11.
    let starts = (L::ONE << span.saturating_sub(10)) - L::ONE;
    let before = four_light & (core >> 4) & starts;
    let after = core & (four_light >> 7) & starts;
    score += 40 * (before.count_dark() + after.count_dark());
    score
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

    /// Encodes `payload` and masks the symbol with each of the eight masks of the `qrcode` crate.
    fn masked_by_the_crate(payload: &str) -> (Canvas, Version, Vec<Vec<Color>>) {
        let bits = qrcode::bits::encode_auto(payload.as_bytes(), ec_level()).unwrap();
        let version = bits.version();
        let data = bits.into_bytes();
        let (codewords, correction) =
            qrcode::ec::construct_codewords(&data, version, ec_level()).unwrap();
        let mut canvas = Canvas::new(version, ec_level());
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&codewords, &correction);
        let masked = MASKS
            .iter()
            .map(|pattern| {
                let mut copy = canvas.clone();
                copy.apply_mask(*pattern);
                copy.into_colors()
            })
            .collect();
        (canvas, version, masked)
    }

    /// Payloads of 1 to 995 bytes in steps of 7, so that versions 1 to 25 all occur.
    fn payloads_of_many_versions() -> Vec<String> {
        (1..1000)
            .step_by(7)
            .map(|length| {
                (0..length)
                    .map(|index| char::from(b'!' + u8::try_from(index * 31 % 90).unwrap()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn masks_on_bit_sets_match_the_crate() {
        let mut versions = std::collections::BTreeSet::new();
        for payload in payloads_of_many_versions() {
            let (canvas, version, by_crate) = masked_by_the_crate(&payload);
            let width = usize::try_from(version.width()).unwrap();
            if width > MAX_SET_WIDTH {
                assert!(masked_on_bit_sets(&canvas, version).is_none());
                continue;
            }
            let Version::Normal(number) = version else {
                panic!("{version:?} is not a normal version");
            };
            versions.insert(number);
            let templates = mask_templates(version, width).unwrap();
            let data = ModuleSets::read(&canvas, width, |module| {
                module == Module::Unmasked(Color::Dark)
            });
            for ((template, expected), pattern) in templates.masked.iter().zip(&by_crate).zip(MASKS)
            {
                let masked = template.toggled(&data);
                assert_eq!(&masked.colors(), expected, "{version:?} {pattern:?}");
                assert_eq!(
                    set_penalty(&masked),
                    penalty(expected, width),
                    "{version:?} {pattern:?}"
                );
            }
            let lowest = by_crate
                .iter()
                .min_by_key(|colors| penalty(colors, width))
                .unwrap();
            assert_eq!(
                &masked_on_bit_sets(&canvas, version).unwrap().colors(),
                lowest
            );
        }
        assert_eq!(
            versions.into_iter().collect::<Vec<_>>(),
            (1..=25).collect::<Vec<_>>()
        );
    }

    #[test]
    fn largest_epc_payload_on_bit_sets() {
        // Lower-case text and punctuation keep the encoder in byte mode, which needs the
        // largest symbol for a given length.
        let head = "BCD\n002\n1\nSCT\nOKOYFIHH\nLumipuu Oy\nFI4950009420028730\nEUR1339.1\n\n\n";
        let payload = format!("{head}{}", "viesti, ".repeat(40))
            [..vahti_domain::paycode::EPC_MAX_PAYLOAD_BYTES]
            .to_owned();
        let (canvas, version, _) = masked_by_the_crate(&payload);
        assert_eq!(
            version,
            Version::Normal(i16::from(vahti_domain::paycode::EPC_QR_MAX_VERSION))
        );
        assert!(masked_on_bit_sets(&canvas, version).is_some());
    }

    proptest::proptest! {
        #[test]
        fn set_penalty_matches_module_penalty(
            width in 1_usize..=MAX_SET_WIDTH,
            seed in proptest::collection::vec(proptest::bool::ANY, 1..=64),
            dark_every in 1_usize..7,
        ) {
            // A pseudo-random symbol from a short seed, with long runs when dark_every is large.
            let colors: Vec<Color> = (0..width * width)
                .map(|index| {
                    let bit = seed[index / dark_every % seed.len()] ^ (index % 13 == 0);
                    if bit { Color::Dark } else { Color::Light }
                })
                .collect();
            let mut sets = ModuleSets::light(width);
            for (index, color) in colors.iter().enumerate() {
                if *color == Color::Dark {
                    sets.set_dark(index % width, index / width);
                }
            }
            proptest::prop_assert_eq!(sets.colors(), colors.clone());
            proptest::prop_assert_eq!(set_penalty(&sets), penalty(&colors, width));
        }
    }

    #[test]
    fn set_lines_scored_like_module_lines() {
        for pattern in [
            "1010",
            "0101111",
            "01011111",
            "0101111111",
            "10111110",
            "1111101111111",
            "10111010000",
            "10101110101",
            "1100001011101",
            "1",
            "0",
            "00000",
        ] {
            let width = pattern.len();
            let bits = pattern
                .chars()
                .enumerate()
                .filter(|(_, module)| *module == '1')
                .fold(0_u64, |bits, (x, _)| bits | 1 << x);
            assert_eq!(set_line_penalty(bits, width), line(pattern), "{pattern}");
            assert_eq!(
                set_line_penalty(u128::from(bits), width),
                line(pattern),
                "{pattern}"
            );
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
