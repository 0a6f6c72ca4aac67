//! `qr`: QR codes as PNG (1-bit greyscale, quiet zone of 4 modules) and SVG.

use std::fmt::Write as _;
use std::sync::Arc;

use crate::bindings::smev_gateway::plugin::qr::Host;
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::caps::qr_matrix::Matrix;
use crate::state::StoreState;

/// Pixels per module when the plugin asks for scale 0.
const DEFAULT_SCALE: u32 = 8;
/// The largest scale accepted (a version-40 code at this scale is 5920 px square, 4.4 MB unpacked).
const MAX_SCALE: u32 = 32;
/// Light modules around the symbol, as ISO/IEC 18004 asks.
const QUIET_ZONE: usize = 4;
/// The smallest side of an SVG, in pixels.
const SVG_MIN_SIDE: usize = 200;

impl Host for StoreState {
    fn png(&mut self, text: String, scale: u32) -> Result<Vec<u8>, HostError> {
        let scale = png_scale(scale)?;
        render_png(&*self.qr_matrix(text)?, scale)
    }

    fn svg(&mut self, text: String) -> Result<String, HostError> {
        Ok(render_svg(&*self.qr_matrix(text)?))
    }
}

impl StoreState {
    /// The symbol of `text`: a plugin asks for the PNG and the SVG of one text, so the last one made in this
    /// call is kept (the state lives for one call: nothing passes to another envelope).
    fn qr_matrix(&mut self, text: String) -> Result<Arc<Matrix>, HostError> {
        if let Some((last, matrix)) = &self.last_qr
            && *last == text
        {
            return Ok(Arc::clone(matrix));
        }
        let matrix = Arc::new(encode(&text)?);
        self.last_qr = Some((text, Arc::clone(&matrix)));
        Ok(matrix)
    }
}

fn encode(text: &str) -> Result<Matrix, HostError> {
    Matrix::encode(text.as_bytes())
        .map_err(|error| HostError::Invalid(format!("cannot encode a QR code: {error}")))
}

fn png_scale(scale: u32) -> Result<usize, HostError> {
    match scale {
        0 => Ok(DEFAULT_SCALE as usize),
        1..=MAX_SCALE => Ok(scale as usize),
        _ => Err(HostError::Invalid(format!(
            "QR scale {scale} exceeds {MAX_SCALE}"
        ))),
    }
}

/// A one-bit greyscale PNG of `code`, `scale` pixels per module, with a quiet zone of four modules.
fn render_png(code: &Matrix, scale: usize) -> Result<Vec<u8>, HostError> {
    let modules = code.width;
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xff_u8; row_bytes * side];
    for (index, dark) in code.dark.iter().enumerate() {
        if !*dark {
            continue;
        }
        let (module_x, module_y) = (index % modules + QUIET_ZONE, index / modules + QUIET_ZONE);
        for y in module_y * scale..(module_y + 1) * scale {
            let row = &mut pixels[y * row_bytes..(y + 1) * row_bytes];
            for x in module_x * scale..(module_x + 1) * scale {
                row[x / 8] &= !(0x80 >> (x % 8));
            }
        }
    }
    let side = u32::try_from(side).map_err(|_| HostError::Invalid("QR image too large".into()))?;
    let mut out = Vec::with_capacity(pixels.len() / 4 + 128);
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Two colours in long runs compress well at the fast level (a fifth of the default's time, a few per
    // cent larger).
    encoder.set_compression(png::Compression::Fast);
    let failed =
        |error: png::EncodingError| HostError::Failed(format!("PNG encoding failed: {error}"));
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

/// An SVG of `code`: at least 200 pixels a side, a quiet zone of four modules, one path of the dark runs of
/// each row (drawn in module units, so scanners see sharp edges at any size).
fn render_svg(code: &Matrix) -> String {
    let modules = code.width;
    let full = modules + 2 * QUIET_ZONE;
    let side = full * SVG_MIN_SIDE.div_ceil(full);
    let mut svg = String::with_capacity(256 + code.dark.len() * 3);
    let _ = write!(
        svg,
        r##"<?xml version="1.0" standalone="yes"?><svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{side}" height="{side}" viewBox="0 0 {full} {full}" shape-rendering="crispEdges"><rect x="0" y="0" width="{full}" height="{full}" fill="#fff"/><path fill="#000" d=""##
    );
    for y in 0..modules {
        let row = &code.dark[y * modules..(y + 1) * modules];
        let mut x = 0;
        while x < modules {
            if !row[x] {
                x += 1;
                continue;
            }
            let start = x;
            while x < modules && row[x] {
                x += 1;
            }
            let _ = write!(
                svg,
                "M{} {}h{}v1h-{}z",
                start + QUIET_ZONE,
                y + QUIET_ZONE,
                x - start,
                x - start
            );
        }
    }
    svg.push_str(r#""/></svg>"#);
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_decodable_square_image() {
        let code = encode("https://www.gosuslugi.ru/somc2/3f2b").expect("encodes");
        let png = render_png(&code, png_scale(0).expect("default")).expect("renders");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("decodes");
        let info = reader.info();
        assert_eq!(info.width, info.height);
        let modules = qrcode::QrCode::new(b"https://www.gosuslugi.ru/somc2/3f2b")
            .expect("encodes")
            .width();
        assert_eq!(
            info.width as usize,
            (modules + 2 * QUIET_ZONE) * DEFAULT_SCALE as usize
        );
        assert_eq!(info.bit_depth, png::BitDepth::One);
    }

    #[test]
    fn the_top_left_finder_pattern_is_dark() {
        let png = render_png(&encode("x").expect("encodes"), 1).expect("renders");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("decodes");
        let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
        let frame = reader.next_frame(&mut buffer).expect("frame");
        let row = |y: usize| &buffer[y * frame.line_size..(y + 1) * frame.line_size];
        let pixel = |x: usize, y: usize| row(y)[x / 8] & (0x80 >> (x % 8)) != 0;
        assert!(pixel(0, 0), "quiet zone is light");
        assert!(!pixel(QUIET_ZONE, QUIET_ZONE), "finder corner is dark");
    }

    #[test]
    fn svg_and_limits() {
        let code = encode("hello").expect("encodes");
        let svg = render_svg(&code);
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        assert!(
            svg.contains(r#"width="203""#),
            "29 modules with the quiet zone, 7 px each: {svg}"
        );
        let dark_modules: usize = svg
            .split('M')
            .skip(1)
            .map(|run| {
                run.split('h')
                    .nth(1)
                    .and_then(|n| n.split('v').next())
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
            .sum();
        assert_eq!(dark_modules, code.dark.iter().filter(|d| **d).count());
        assert!(matches!(
            png_scale(MAX_SCALE + 1),
            Err(HostError::Invalid(_))
        ));
        assert!(matches!(
            encode(&"x".repeat(8000)),
            Err(HostError::Invalid(_))
        ));
    }
}
