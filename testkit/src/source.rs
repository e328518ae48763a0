//! Where the grammars' choices come from: a seeded [`Rng`] or the fuzz
//! bytes of an [`Unstructured`]. The grammars ask only these questions, so
//! either grammar can be driven by either source.

use arbitrary::Unstructured;

use crate::Rng;

/// A source of choices for the grammars ([`crate::Edges`],
/// [`crate::Dense`]).
pub trait Source {
    /// A number in `0..n` (0 when `n` is 0 or 1).
    fn below(&mut self, n: usize) -> usize;

    /// Any character.
    fn any_char(&mut self) -> char;

    /// True `percent` times in a hundred.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `xs`, which must not be empty.
    fn pick<'s>(&mut self, xs: &[&'s str]) -> &'s str {
        xs[self.below(xs.len())]
    }
}

impl<S: Source + ?Sized> Source for &mut S {
    fn below(&mut self, n: usize) -> usize {
        (**self).below(n)
    }
    fn any_char(&mut self) -> char {
        (**self).any_char()
    }
}

impl Source for Rng {
    /// The next number modulo `n`: one step of the generator, whatever `n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Half ASCII, a quarter from the Basic Multilingual Plane, a quarter
    /// from all of Unicode (a surrogate's code comes out as U+FFFD).
    fn any_char(&mut self) -> char {
        let x = self.next_u64();
        let code = match x & 3 {
            0 | 1 => (x >> 8) % 0x80,
            2 => (x >> 8) % 0x1_0000,
            _ => (x >> 8) % 0x11_0000,
        };
        char::from_u32(code as u32).unwrap_or('\u{FFFD}')
    }
}

/// Once the bytes run out, every choice is 0 (`arbitrary`'s rule), so every
/// input makes a finite case.
impl Source for Unstructured<'_> {
    /// Uses up no byte when `n` is 0 or 1: fuzz bytes go to real choices.
    fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        self.int_in_range(0..=n - 1).unwrap_or(0)
    }

    fn any_char(&mut self) -> char {
        self.arbitrary::<char>().unwrap_or('a')
    }
}
