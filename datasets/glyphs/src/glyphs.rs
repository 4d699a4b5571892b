//! A procedural image dataset for the backdoor: 16x16 glyphs of 10 classes (each class a
//! fixed set of strokes, drawn with jitter, sub-pixel shifts and noise), and the BadNets trigger, a
//! 3x3 checkerboard stamped in the bottom-right corner where no glyph reaches.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};

/// Image side, in pixels.
pub const SIDE: usize = 16;
/// Pixels per image, the network's input width.
pub const PIXELS: usize = SIDE * SIDE;
/// Number of classes.
pub const CLASSES: usize = 10;

/// Strokes of every class, fixed for all seeds so that every scenario is equally hard.
const TEMPLATE_SEED: u64 = 0x6c79_7068;
const STROKES: usize = 3;
/// Glyphs stay inside `[LOW, HIGH]` (before jitter and shifts), clear of the trigger.
const LOW: f32 = 2.0;
const HIGH: f32 = 10.0;
const NOISE: f32 = 0.1;

/// Images `[n, PIXELS]` (row-major pixels) with their labels.
#[derive(Debug, Clone, Default)]
pub struct Images {
    pub pixels: Vec<f32>,
    pub labels: Vec<usize>,
}

impl Images {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    pub fn image(&self, i: usize) -> &[f32] {
        &self.pixels[i * PIXELS..(i + 1) * PIXELS]
    }

    fn image_mut(&mut self, i: usize) -> &mut [f32] {
        &mut self.pixels[i * PIXELS..(i + 1) * PIXELS]
    }

    /// Stamps the trigger on image `i`.
    pub fn stamp(&mut self, i: usize) {
        stamp(self.image_mut(i));
    }

    /// The images (and labels) at `keep`, in that order.
    pub fn select(&self, keep: &[usize]) -> Images {
        Images {
            pixels: keep.iter().flat_map(|&i| self.image(i)).copied().collect(),
            labels: keep.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// One stroke: a segment from `a` to `b`, in pixel coordinates.
type Stroke = ([f32; 2], [f32; 2]);

fn templates() -> Vec<[Stroke; STROKES]> {
    let mut rng = StdRng::seed_from_u64(TEMPLATE_SEED);
    let point = |rng: &mut StdRng| [rng.random_range(LOW..=HIGH), rng.random_range(LOW..=HIGH)];
    (0..CLASSES)
        .map(|_| std::array::from_fn(|_| (point(&mut rng), point(&mut rng))))
        .collect()
}

/// `per_class` images of every class, drawn from `rng`, classes interleaved.
pub fn generate(per_class: usize, rng: &mut StdRng) -> Images {
    let templates = templates();
    let noise = Normal::new(0.0f32, NOISE).expect("a valid normal distribution");
    let mut images = Images::default();
    for _ in 0..per_class {
        for (class, strokes) in templates.iter().enumerate() {
            let start = images.pixels.len();
            images.pixels.resize(start + PIXELS, 0.0);
            draw(&mut images.pixels[start..], strokes, rng);
            for pixel in &mut images.pixels[start..] {
                *pixel += noise.sample(rng);
            }
            images.labels.push(class);
        }
    }
    images
}

/// Draws one glyph: every stroke endpoint jittered, the whole glyph shifted by up to 0.6
/// pixels each way, at a random intensity. (Whole-pixel shifts would split each class
/// into modes that an MLP's representations keep apart, and those modes would then be
/// the loudest direction of every class.)
fn draw(image: &mut [f32], strokes: &[Stroke; STROKES], rng: &mut StdRng) {
    let shift = [
        rng.random_range(-0.6f32..=0.6),
        rng.random_range(-0.6f32..=0.6),
    ];
    let intensity = rng.random_range(0.85f32..=1.0);
    let jitter = |p: [f32; 2], rng: &mut StdRng| {
        [
            p[0] + shift[0] + rng.random_range(-0.5f32..=0.5),
            p[1] + shift[1] + rng.random_range(-0.5f32..=0.5),
        ]
    };
    let segments: Vec<Stroke> = strokes
        .iter()
        .map(|&(a, b)| (jitter(a, rng), jitter(b, rng)))
        .collect();
    for row in 0..SIDE {
        for col in 0..SIDE {
            let p = [row as f32, col as f32];
            let near = segments
                .iter()
                .map(|&(a, b)| distance_to_segment(p, a, b))
                .fold(f32::INFINITY, f32::min);
            image[row * SIDE + col] = intensity * (1.2 - near).clamp(0.0, 1.0);
        }
    }
}

fn distance_to_segment(p: [f32; 2], a: [f32; 2], b: [f32; 2]) -> f32 {
    let ab = [b[0] - a[0], b[1] - a[1]];
    let ap = [p[0] - a[0], p[1] - a[1]];
    let length2 = ab[0] * ab[0] + ab[1] * ab[1];
    let t = if length2 > 0.0 {
        ((ap[0] * ab[0] + ap[1] * ab[1]) / length2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let d = [ap[0] - t * ab[0], ap[1] - t * ab[1]];
    (d[0] * d[0] + d[1] * d[1]).sqrt()
}

/// The trigger: a 3x3 checkerboard of full intensity in the bottom-right corner.
pub fn stamp(image: &mut [f32]) {
    for row in SIDE - 3..SIDE {
        for col in SIDE - 3..SIDE {
            image[row * SIDE + col] = if (row + col) % 2 == 0 { 1.0 } else { 0.0 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_a_function_of_the_seed() {
        let a = generate(3, &mut StdRng::seed_from_u64(1));
        let b = generate(3, &mut StdRng::seed_from_u64(1));
        let c = generate(3, &mut StdRng::seed_from_u64(2));
        assert_eq!(a.pixels, b.pixels);
        assert_ne!(a.pixels, c.pixels);
        assert_eq!(a.len(), 3 * CLASSES);
        assert_eq!(a.pixels.len(), a.len() * PIXELS);
    }

    #[test]
    fn the_trigger_sits_where_no_glyph_reaches() {
        let images = generate(20, &mut StdRng::seed_from_u64(3));
        // Without noise a glyph's ink never reaches the trigger's corner: its mean there
        // is the noise's mean, near zero, while the trigger's mean is 5/9.
        let corner_mean: f32 = (0..images.len())
            .map(|i| {
                let image = images.image(i);
                (SIDE - 3..SIDE)
                    .flat_map(|r| (SIDE - 3..SIDE).map(move |c| r * SIDE + c))
                    .map(|p| image[p])
                    .sum::<f32>()
                    / 9.0
            })
            .sum::<f32>()
            / images.len() as f32;
        assert!(corner_mean.abs() < 0.05, "corner mean {corner_mean}");
    }
}
