//! `qr`: QR codes as PNG (1-bit greyscale, quiet zone of 4 modules) and SVG.

use qrcode::{Color, QrCode};

use crate::bindings::smev_gateway::plugin::qr::Host;
use crate::bindings::smev_gateway::plugin::types::HostError;
use crate::state::StoreState;

/// Pixels per module when the plugin asks for scale 0.
const DEFAULT_SCALE: u32 = 8;
/// The largest scale accepted (a version-40 code at this scale is 5920 px square, 4.4 MB unpacked).
const MAX_SCALE: u32 = 32;
/// Modules of light border around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;

impl Host for StoreState {
    fn png(&mut self, text: String, scale: u32) -> Result<Vec<u8>, HostError> {
        render_png(&text, scale)
    }

    fn svg(&mut self, text: String) -> Result<String, HostError> {
        render_svg(&text)
    }
}

fn encode(text: &str) -> Result<QrCode, HostError> {
    QrCode::new(text.as_bytes())
        .map_err(|error| HostError::Invalid(format!("cannot encode a QR code: {error}")))
}

/// A PNG of the QR code of `text`, `scale` pixels per module (0 = default).
pub(crate) fn render_png(text: &str, scale: u32) -> Result<Vec<u8>, HostError> {
    let scale = match scale {
        0 => DEFAULT_SCALE,
        1..=MAX_SCALE => scale,
        _ => {
            return Err(HostError::Invalid(format!(
                "QR scale {scale} exceeds {MAX_SCALE}"
            )));
        }
    };
    let code = encode(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let scale = scale as usize;
    let side = (modules + 2 * QUIET_ZONE) * scale;
    let row_bytes = side.div_ceil(8);
    let mut pixels = vec![0xff_u8; row_bytes * side];
    for (index, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
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
    let failed =
        |error: png::EncodingError| HostError::Failed(format!("PNG encoding failed: {error}"));
    let mut writer = encoder.write_header().map_err(failed)?;
    writer.write_image_data(&pixels).map_err(failed)?;
    writer.finish().map_err(failed)?;
    Ok(out)
}

/// An SVG of the QR code of `text`.
pub(crate) fn render_svg(text: &str) -> Result<String, HostError> {
    let code = encode(text)?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_is_a_decodable_square_image() {
        let png = render_png("https://www.gosuslugi.ru/somc2/3f2b", 0).expect("renders");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("decodes");
        let info = reader.info();
        assert_eq!(info.width, info.height);
        let modules = QrCode::new(b"https://www.gosuslugi.ru/somc2/3f2b")
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
        let png = render_png("x", 1).expect("renders");
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
        let svg = render_svg("hello").expect("renders");
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        assert!(matches!(
            render_png("x", MAX_SCALE + 1),
            Err(HostError::Invalid(_))
        ));
        assert!(matches!(
            render_svg(&"x".repeat(8000)),
            Err(HostError::Invalid(_))
        ));
    }
}
