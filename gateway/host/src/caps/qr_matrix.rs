//! A QR code's modules, with the mask chosen fast.
//!
//! `qrcode` encodes and lays out the symbol (data, error correction, function patterns); choosing among the
//! eight masks is done here. The crate scores each candidate with the penalty rules of ISO/IEC 18004 §7.8.3
//! reading modules through boxed closures (a heap allocation per module in the finder rule): 70 % of the
//! issue path's CPU went there. The same rules are computed here over a flat grid with no allocation, in the
//! crate's order and with its tie-breaking, so the symbol is the very one `QrCode::new` makes (a test holds
//! that).

use qrcode::bits;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::ec;
use qrcode::types::{Color, EcLevel, QrResult};

/// The masks in the order `qrcode` tries them (the first of equal scores wins).
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

/// The modules of a QR code, row by row, `true` for dark.
pub(crate) struct Matrix {
    /// Modules per side (without the quiet zone).
    pub(crate) width: usize,
    /// `width × width` modules, row by row.
    pub(crate) dark: Vec<bool>,
}

impl Matrix {
    /// The smallest QR code of `data` at error correction level M, as `qrcode::QrCode::new` makes it.
    pub(crate) fn encode(data: &[u8]) -> QrResult<Matrix> {
        let ec_level = EcLevel::M;
        let bits = bits::encode_auto(data, ec_level)?;
        let version = bits.version();
        let (data, ec) = ec::construct_codewords(&bits.into_bytes(), version, ec_level)?;
        let mut canvas = Canvas::new(version, ec_level);
        canvas.draw_all_functional_patterns();
        canvas.draw_data(&data, &ec);
        let width = usize::try_from(version.width()).unwrap_or(0);
        let mut best: Option<(u32, Vec<bool>)> = None;
        for mask in MASKS {
            let mut candidate = canvas.clone();
            candidate.apply_mask(mask);
            let dark: Vec<bool> = candidate
                .into_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            let score = penalty(&dark, width);
            if best.as_ref().is_none_or(|(lowest, _)| score < *lowest) {
                best = Some((score, dark));
            }
        }
        let (_, dark) = best.unwrap_or_default();
        Ok(Matrix { width, dark })
    }
}

/// The penalty of a masked symbol, as `qrcode` computes it: runs, blocks, finder-like patterns, balance.
fn penalty(dark: &[bool], w: usize) -> u32 {
    if w <= 64 {
        penalty_in_bits(dark, w)
    } else {
        penalty_in_lines(dark, w)
    }
}

/// The lowest `n` bits set.
fn low_bits(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// [`penalty`] of a symbol of at most 64 modules a side (versions 1–11, every link this gateway encodes), each
/// row and column a 64-bit word: every rule is a few shifts and masks per line.
fn penalty_in_bits(dark: &[bool], w: usize) -> u32 {
    let mut rows = vec![0u64; w];
    let mut columns = vec![0u64; w];
    for (y, row) in dark.chunks_exact(w).enumerate() {
        for (x, d) in row.iter().enumerate() {
            if *d {
                rows[y] |= 1 << x;
                columns[x] |= 1 << y;
            }
        }
    }
    let mut score = 0u32;
    let mut finder = 0u32;
    for line in rows.iter().chain(columns.iter()) {
        // N1: bit j of `run5` when modules j..j+4 are alike; a run of n ≥ 5 sets n − 4 of them in a row and
        // scores n − 2.
        let alike = !(line ^ (line >> 1)) & low_bits(w - 1);
        let run5 = alike & (alike >> 1) & (alike >> 2) & (alike >> 3);
        let starts = run5 & !(run5 << 1);
        score += run5.count_ones() + 2 * starts.count_ones();
        // N3: bit j of `at` when modules j..j+6 are dark-light-dark×3-light-dark.
        let mut at = low_bits(w - 6);
        for (k, is_dark) in [true, false, true, true, true, false, true]
            .into_iter()
            .enumerate()
        {
            at &= if is_dark { line >> k } else { !line >> k };
        }
        while at != 0 {
            let j = at.trailing_zeros() as usize;
            at &= at - 1;
            let before = j.saturating_sub(4);
            let dark_before = (line >> before) & low_bits(j - before) != 0;
            let after = (w - (j + 7)).min(4);
            let dark_after = after > 0 && (line >> (j + 7)) & low_bits(after) != 0;
            if !dark_before || !dark_after {
                finder += 40;
            }
        }
    }
    score += finder.saturating_sub(360);
    // N2: 2×2 blocks of one colour.
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let blocks = !(a ^ b) & !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & low_bits(w - 1);
        score += 3 * blocks.count_ones();
    }
    // N4: the dark share.
    let dark_modules: usize = rows.iter().map(|r| r.count_ones() as usize).sum();
    let ratio = dark_modules * 200 / (w * w).max(1);
    score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// [`penalty`] of a larger symbol: rows and columns read as contiguous lines (the columns from a transposed
/// copy).
fn penalty_in_lines(dark: &[bool], w: usize) -> u32 {
    let mut columns = vec![false; dark.len()];
    for (y, row) in dark.chunks_exact(w).enumerate() {
        for (x, d) in row.iter().enumerate() {
            columns[x * w + y] = *d;
        }
    }
    let mut score = 0u32;
    let mut finder = 0u32;
    for line in dark.chunks_exact(w).chain(columns.chunks_exact(w)) {
        score += runs(line);
        finder += finder_like(line);
    }
    // N3's three finder patterns themselves score 360, taken off as the crate does.
    score += finder.saturating_sub(360);
    // N2: every 2×2 block of one colour (overlapping counted): 3 each.
    for pair in dark.chunks_exact(w).collect::<Vec<_>>().windows(2) {
        let (a, b) = (pair[0], pair[1]);
        for x in 0..w - 1 {
            let c = a[x];
            if a[x + 1] == c && b[x] == c && b[x + 1] == c {
                score += 3;
            }
        }
    }
    // N4: the deviation of the dark share from one half.
    let dark_modules = dark.iter().filter(|d| **d).count();
    let ratio = dark_modules * 200 / dark.len().max(1);
    score + u32::try_from(ratio.abs_diff(100)).unwrap_or(u32::MAX)
}

/// N1 of one line: runs of five or more modules of one colour, length − 2 each.
fn runs(line: &[bool]) -> u32 {
    let mut score = 0;
    let mut run = 1u32;
    for pair in line.windows(2) {
        if pair[0] == pair[1] {
            run += 1;
        } else {
            if run >= 5 {
                score += run - 2;
            }
            run = 1;
        }
    }
    if run >= 5 {
        score += run - 2;
    }
    score
}

/// N3 of one line: dark-light-dark×3-light-dark without four light modules on one side, 40 each.
fn finder_like(line: &[bool]) -> u32 {
    const PATTERN: [bool; 7] = [true, false, true, true, true, false, true];
    let w = line.len();
    let mut score = 0;
    for j in 0..w.saturating_sub(6) {
        if line[j..j + 7] != PATTERN {
            continue;
        }
        let dark_in = |from: usize, to: usize| line[from..to.min(w)].iter().any(|d| *d);
        if !dark_in(j.saturating_sub(4), j) || !dark_in(j + 7, j + 11) {
            score += 40;
        }
    }
    score
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The symbol is exactly the one `qrcode` makes, for texts of several versions and shapes.
    #[test]
    fn the_same_symbol_as_the_crate_makes() {
        let mut texts: Vec<String> = vec![
            "x".into(),
            "https://www.gosuslugi.ru/somc2/3f2b".into(),
            "https://gateway.example/admission/ABCDEFGH12345678".into(),
            "0123456789".repeat(7),
            "Допуск разрешён".into(),
        ];
        for n in 0..40 {
            texts.push(format!(
                "https://svo.example/qr/{}",
                uuid_like(n * 7919 + 13)
            ));
        }
        texts.push("A".repeat(600));
        texts.push("https://gateway.example/".repeat(8));
        texts.push("0".repeat(400));
        for text in texts {
            let ours = Matrix::encode(text.as_bytes()).expect("encodes");
            let theirs = qrcode::QrCode::new(text.as_bytes()).expect("encodes");
            assert_eq!(ours.width, theirs.width(), "{text}");
            let theirs: Vec<bool> = theirs
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect();
            assert!(ours.dark == theirs, "a different symbol for {text}");
        }
    }

    fn uuid_like(seed: u64) -> String {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut out = String::new();
        for i in 0..32 {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51afd7ed558ccd);
            out.push(char::from_digit((x % 16) as u32, 16).unwrap_or('0'));
            if [7, 11, 15, 19].contains(&i) {
                out.push('-');
            }
        }
        out
    }

    #[test]
    fn too_long_a_text_is_an_error() {
        assert!(Matrix::encode("x".repeat(8000).as_bytes()).is_err());
    }
}
