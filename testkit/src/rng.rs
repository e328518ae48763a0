//! A small deterministic random number generator for tests: the same seed
//! gives the same sequence on every machine, so a failure names a seed that
//! reproduces it.

/// xorshift64*: small, fast, and good enough to generate test cases (not
/// for anything that needs real randomness).
///
/// ```
/// use evmatch_testkit::{Rng, Source};
/// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`. Neighbouring seeds (1, 2, 3, ...) give
    /// unrelated sequences: the seed is spread by a multiplication by the
    /// golden ratio, and made odd so that the state is never zero.
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}
