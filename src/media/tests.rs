use super::*;

#[test]
fn variants_are_never_wider_than_the_image() {
    assert_eq!(variant_widths(4000), vec![480, 960, 1600]);
    assert_eq!(variant_widths(1000), vec![480, 960, 1000]);
    assert_eq!(variant_widths(960), vec![480, 960]);
    assert_eq!(variant_widths(300), vec![300]);
}

#[test]
fn only_media_names_are_served() {
    let stem = "0123456789abcdef0123456789abcdef";
    assert_eq!(
        parse_file_name(&format!("{stem}-960.jpg")),
        Some("image/jpeg")
    );
    assert_eq!(
        parse_file_name(&format!("{stem}-480.png")),
        Some("image/png")
    );
    for bad in [
        "../etc/passwd",
        "x-1.jpg",
        &format!("{stem}-960.gif"),
        &format!("{stem}-.jpg"),
        &format!("{stem}-9a.jpg"),
    ] {
        assert_eq!(parse_file_name(bad), None, "{bad}");
    }
}

#[test]
fn text_is_not_an_image() {
    assert!(matches!(
        process(b"hello, world"),
        Err(MediaError::UnsupportedType)
    ));
    assert!(matches!(process(b""), Err(MediaError::Empty)));
}

#[test]
fn a_png_is_resized_without_enlarging() {
    let img = DynamicImage::new_rgb8(1200, 600);
    let mut png = Vec::new();
    img.write_with_encoder(PngEncoder::new(&mut png)).unwrap();
    let p = process(&png).unwrap();
    assert_eq!(p.encoding, Encoding::Png);
    assert_eq!(
        p.variants.iter().map(|v| v.0).collect::<Vec<_>>(),
        vec![480, 960, 1200]
    );
    assert_eq!((p.width, p.height), (1200, 600));
}
