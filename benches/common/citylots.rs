//! The CityLots workload's events: 213,068 deterministic CityLots-shaped
//! JSON objects, one a line (about 850 bytes each, 180 MB in all), the same
//! bytes on every machine.
//!
//! The shape follows the "citylots2" benchmark of the EventBridge reference
//! library: `properties.{MAPBLKLOT, BLKLOT, BLOCK_NUM, LOT_NUM, FROM_ST,
//! TO_ST, STREET, ST_TYPE, ODD_EVEN}` and `geometry.{type, coordinates
//! (arrays of {x, y, z} objects), firstCoordinates {x, y, z}}`.
//!
//! The bytes are those of the Python program this workload was first written
//! in (it seeded `random.Random(20240613)` and wrote each event with
//! `json.dumps(event, separators=(",", ":"))`), so the random draws below
//! are Python's: the Mersenne Twister MT19937 seeded by `init_by_array`,
//! `random()` from two words (53 bits), integers below `n` by rejection
//! sampling on `bit_length(n)` bits, `choice`, `shuffle`, `choices` with
//! weights (cumulative sums, bisection on `random() * total`), `uniform`, and
//! floats written as Python's `repr` writes them. Every draw happens in the
//! same order as there; `tests/citylots_gen.rs` holds the SHA-256 of the
//! output and checks it.

use std::io::{self, Write};

/// The number of events of the full workload.
pub const EVENTS: usize = 213_068;

/// The seed of the workload's random stream.
const SEED: u32 = 20_240_613;

/// Python's `random.Random`: MT19937 and the draws built on it.
pub struct PyRandom {
    mt: [u32; 624],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)` for a seed below 2^32 (its key is one word).
    pub fn new(seed: u32) -> PyRandom {
        let mut r = PyRandom {
            mt: [0; 624],
            index: 624,
        };
        r.init_by_array(&[seed]);
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..624 {
            let prev = self.mt[i - 1];
            self.mt[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = 624;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..624.max(key.len()) {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= 624 {
                self.mt[0] = self.mt[623];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..623 {
            let prev = self.mt[i - 1];
            self.mt[i] = (self.mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= 624 {
                self.mt[0] = self.mt[623];
                i = 1;
            }
        }
        self.mt[0] = 0x8000_0000;
    }

    /// The next 32-bit word of the stream.
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + 397) % 624] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: a double in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (a as f64 * 67_108_864.0 + b as f64) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `_randbelow(n)` for 0 < n < 2^32: `getrandbits(n.bit_length())`
    /// until the draw is below `n`.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0);
        let k = 32 - n.leading_zeros();
        loop {
            let r = self.next_u32() >> (32 - k);
            if r < n {
                return r;
            }
        }
    }

    /// `randint(lo, hi)`, both ends included.
    pub fn randint(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below(hi - lo + 1)
    }

    /// `choice(items)`.
    pub fn choice<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u32) as usize]
    }

    /// `shuffle(items)`.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// `uniform(a, b)`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }
}

/// `choices(population, weights)[0]` for a fixed population: the cumulative
/// weights, summed left to right as Python's `accumulate` sums them.
struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    fn new(weights: &[f64]) -> Weighted {
        let mut sum = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                sum += w;
                sum
            })
            .collect();
        Weighted { cumulative }
    }

    /// The index `bisect_right(cumulative, random() * total, 0, n - 1)`.
    fn pick(&self, r: &mut PyRandom) -> usize {
        let total = *self.cumulative.last().unwrap();
        let x = r.random() * total;
        let hi = self.cumulative.len() - 1;
        self.cumulative[..hi].partition_point(|&c| c <= x)
    }
}

/// Real San Francisco street names, first in the list of streets (GEARY
/// appears twice here and once there).
#[rustfmt::skip]
const REAL: &[&str] = &[
    "FULTON", "MASON", "JEFFERSON", "BEACH", "HYDE", "CHESTNUT", "OCTAVIA", "ACTON", "BLAKE",
    "DRUMM", "RHODE ISLAND", "MISSION", "VALENCIA", "HARRISON", "FOLSOM", "BRYANT", "GEARY",
    "CALIFORNIA", "SACRAMENTO", "WASHINGTON", "JACKSON", "PACIFIC", "BROADWAY", "VALLEJO", "GREEN",
    "UNION", "FILBERT", "GREENWICH", "LOMBARD", "BAY", "NORTH POINT", "POLK", "LARKIN",
    "LEAVENWORTH", "JONES", "TAYLOR", "POWELL", "STOCKTON", "GRANT", "KEARNY", "MONTGOMERY",
    "SANSOME", "BATTERY", "FRONT", "DAVIS", "VAN NESS", "FRANKLIN", "GOUGH", "LAGUNA", "BUCHANAN",
    "WEBSTER", "FILLMORE", "STEINER", "PIERCE", "SCOTT", "DIVISADERO", "BRODERICK", "BAKER", "LYON",
    "CENTRAL", "MASONIC", "ASHBURY", "CLAYTON", "COLE", "SHRADER", "STANYAN", "IRVING", "JUDAH",
    "KIRKHAM", "LAWTON", "MORAGA", "NORIEGA", "ORTEGA", "PACHECO", "QUINTARA", "RIVERA", "SANTIAGO",
    "TARAVAL", "ULLOA", "VICENTE", "WAWONA", "SLOAT", "OCEAN", "HOLLOWAY", "GENEVA", "SILVER",
    "BURROWS", "ALEMANY", "CESAR CHAVEZ", "ARMY", "DOLORES", "GUERRERO", "CHURCH", "SANCHEZ", "NOE",
    "CASTRO", "DIAMOND", "DOUGLASS", "HOFFMAN", "PORTOLA", "JUNIPERO SERRA", "NINETEENTH", "SUNSET",
    "GREAT HIGHWAY", "LA PLAYA", "KING", "BERRY", "TOWNSEND", "BRANNAN", "HOWARD", "NATOMA",
    "MINNA", "TEHAMA", "CLEMENTINA", "SHIPLEY", "CLARA", "WELSH", "FREELON", "ELLIS", "EDDY",
    "TURK", "GOLDEN GATE", "MCALLISTER", "FELL", "OAK", "PAGE", "HAIGHT", "WALLER", "HERMANN",
    "DUBOCE", "HAYES", "GROVE", "IVY", "LINDEN", "ROSE", "LILY", "HICKORY", "BIRCH", "ELM",
    "REDWOOD", "CEDAR", "MYRTLE", "OLIVE", "HEMLOCK", "POST", "SUTTER", "BUSH", "PINE", "CLAY",
    "MERCHANT", "COMMERCIAL", "OFARRELL", "GEARY", "MARKET",
];

/// Syllables of the made-up street names ("KE" and "GO" twice: the draws
/// depend on the list as it is).
#[rustfmt::skip]
const SYLLABLES: &[&str] = &[
    "AL", "BA", "CA", "DE", "EL", "FA", "GO", "HA", "IN", "JO", "KE", "LA", "MA", "NO", "OR", "PE",
    "RO", "SA", "TA", "UL", "VA", "WE", "BER", "CON", "DOR", "GAN", "LIN", "MON", "SON", "TON",
    "VER", "WOOD", "LAND", "FIELD", "HILL", "DALE", "MONT", "VIEW", "KE", "GO",
];

const STREETS: usize = 1800;

/// Street types by frequency (100 entries; `None` is written as `null`).
fn street_types() -> Vec<Option<&'static str>> {
    let mut t = Vec::with_capacity(100);
    for (name, n) in [
        ("ST", 55),
        ("AVE", 25),
        ("BLVD", 3),
        ("WAY", 4),
        ("TER", 3),
        ("DR", 3),
        ("CT", 2),
        ("PL", 2),
        ("LN", 2),
    ] {
        t.extend(std::iter::repeat_n(Some(name), n));
    }
    t.push(None);
    t
}

/// One vertex of a polygon ring (`z` is always the integer 0).
#[derive(Clone, Copy)]
struct Point {
    x: f64,
    y: f64,
}

/// The event stream: `CityLots::new()` then `next_event` once per line.
pub struct CityLots {
    rng: PyRandom,
    streets: Vec<String>,
    weights: Weighted,
    street_types: Vec<Option<&'static str>>,
}

impl Default for CityLots {
    fn default() -> Self {
        Self::new()
    }
}

impl CityLots {
    /// The stream at its first event (draws the street names and their
    /// weights first, as the original did).
    pub fn new() -> CityLots {
        let mut rng = PyRandom::new(SEED);
        let mut streets: Vec<String> = Vec::with_capacity(STREETS);
        for s in REAL {
            if !streets.iter().any(|t| t == s) {
                streets.push(s.to_string());
            }
        }
        while streets.len() < STREETS {
            let n = rng.randint(2, 4);
            let s: String = (0..n).map(|_| *rng.choice(SYLLABLES)).collect();
            if !streets.contains(&s) {
                streets.push(s);
            }
        }
        let mut weights: Vec<f64> = (0..STREETS)
            .map(|i| 40.0 / ((i + 1) as f64).powf(0.9))
            .collect();
        rng.shuffle(&mut weights);
        CityLots {
            rng,
            streets,
            weights: Weighted::new(&weights),
            street_types: street_types(),
        }
    }

    fn coordinate_noise(&mut self) -> f64 {
        self.rng.uniform(-3e-4, 3e-4)
    }

    fn ring(&mut self, cx: f64, cy: f64, vertices: usize) -> Vec<Point> {
        let mut ring: Vec<Point> = (0..vertices)
            .map(|_| {
                let x = cx + self.coordinate_noise();
                let y = cy + self.coordinate_noise();
                Point { x, y }
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    /// Appends the next event to `out`, without a newline.
    pub fn next_event(&mut self, out: &mut Vec<u8>) {
        let r = &mut self.rng;
        let block = r.randint(1, 7600);
        let lot = r.randint(1, 300);
        let (blklot, block_num, lot_num);
        if r.random() < 0.002 {
            // The list ["VACSTWIL", "VACSTWIL", "VACST%03d"] is built, and
            // its number drawn, before the choice.
            let numbered = format!("VACST{:03}", r.randint(0, 999));
            blklot = match r.below(3) {
                0 | 1 => "VACSTWIL".to_string(),
                _ => numbered,
            };
            block_num = blklot[..4].to_string();
            lot_num = blklot[4..].to_string();
        } else {
            let suffix = if r.random() < 0.97 {
                String::new()
            } else {
                (*r.choice(b"ABCDEFGH") as char).to_string()
            };
            block_num = format!("{block:04}{suffix}");
            lot_num = format!("{lot:03}");
            let joined = format!("{block_num}{lot_num}");
            blklot = joined[..joined.len().min(8)].to_string();
        }
        let street = self.weights.pick(r);
        let from = r.randint(0, 4000);
        let to = from + *r.choice(&[0, 0, 0, 2, 4, 10, 20]);
        let street_type = *r.choice(&self.street_types);
        let odd_even = if from.is_multiple_of(2) { "E" } else { "O" };
        let cx = -122.515 + r.random().powf(1.25) * 0.16;
        let cy = r.uniform(37.708, 37.832);
        let vertices = *r.choice(&[7, 8, 8, 9, 10, 11, 12, 14]);
        let ring = self.ring(cx, cy, vertices - 1);
        let (geometry_type, rings) = if self.rng.random() < 0.0006 {
            let ring2 = self.ring(cx, cy, 4);
            ("MultiPolygon", vec![ring, ring2])
        } else {
            ("Polygon", vec![ring])
        };

        out.extend_from_slice(b"{\"type\":\"Feature\",\"properties\":{");
        for (i, (key, value)) in [
            ("MAPBLKLOT", blklot.as_str()),
            ("BLKLOT", blklot.as_str()),
            ("BLOCK_NUM", block_num.as_str()),
            ("LOT_NUM", lot_num.as_str()),
            ("FROM_ST", from.to_string().as_str()),
            ("TO_ST", to.to_string().as_str()),
            ("STREET", self.streets[street].as_str()),
        ]
        .iter()
        .enumerate()
        {
            if i > 0 {
                out.push(b',');
            }
            write_string(out, key);
            out.push(b':');
            write_string(out, value);
        }
        out.extend_from_slice(b",\"ST_TYPE\":");
        match street_type {
            Some(t) => write_string(out, t),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"ODD_EVEN\":");
        write_string(out, odd_even);
        out.extend_from_slice(b"},\"geometry\":{\"type\":");
        write_string(out, geometry_type);
        out.extend_from_slice(b",\"coordinates\":");
        // A Polygon's coordinates are [ring]; a MultiPolygon's are
        // [[ring], [ring2]].
        let multi = rings.len() > 1;
        out.push(b'[');
        for (i, ring) in rings.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if multi {
                out.push(b'[');
            }
            out.push(b'[');
            for (j, p) in ring.iter().enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                write_point(out, *p);
            }
            out.push(b']');
            if multi {
                out.push(b']');
            }
        }
        out.extend_from_slice(b"],\"firstCoordinates\":");
        write_point(out, rings[0][0]);
        out.extend_from_slice(b"}}");
    }
}

fn write_point(out: &mut Vec<u8>, p: Point) {
    out.extend_from_slice(b"{\"x\":");
    write_float(out, p.x);
    out.extend_from_slice(b",\"y\":");
    write_float(out, p.y);
    out.extend_from_slice(b",\"z\":0}");
}

/// A JSON string of the workload's alphabet (capitals, digits, spaces,
/// `%`), which needs no escapes.
fn write_string(out: &mut Vec<u8>, s: &str) {
    debug_assert!(s
        .bytes()
        .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\' || c == b' '));
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

/// A finite double as Python's `repr` writes it: the shortest digits that
/// read back to the same double (those of `ryu`), in positional notation
/// when the decimal exponent `e` (value = 0.DIGITS x 10^e) is in -3..=16,
/// else as `D.DDDe+XX` / `De-XX` with at least two exponent digits.
pub fn write_float(out: &mut Vec<u8>, v: f64) {
    assert!(v.is_finite(), "JSON has no {v}");
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v);
    let (negative, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text),
    };
    // ryu writes `D.DDDeX`, `DDD.DDD`, `0.000DDD` or `DDD.0`: split it into
    // significant digits and the exponent `e`.
    let (mantissa, exp10) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap()),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = format!("{int_part}{frac_part}");
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_start_matches('0').trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let e = if all.trim_start_matches('0').is_empty() {
        1
    } else {
        int_part.len() as i32 - lead as i32 + exp10
    };
    if negative {
        out.push(b'-');
    }
    let d = digits.as_bytes();
    if (-3..=16).contains(&e) {
        if e <= 0 {
            out.extend_from_slice(b"0.");
            out.extend(std::iter::repeat_n(b'0', (-e) as usize));
            out.extend_from_slice(d);
        } else if e as usize >= d.len() {
            out.extend_from_slice(d);
            out.extend(std::iter::repeat_n(b'0', e as usize - d.len()));
            out.extend_from_slice(b".0");
        } else {
            out.extend_from_slice(&d[..e as usize]);
            out.push(b'.');
            out.extend_from_slice(&d[e as usize..]);
        }
    } else {
        out.push(d[0]);
        if d.len() > 1 {
            out.push(b'.');
            out.extend_from_slice(&d[1..]);
        }
        let x = e - 1;
        write!(out, "e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs()).unwrap();
    }
}

/// Writes the first `count` events to `w`, one a line.
pub fn write_events(w: &mut impl Write, count: usize) -> io::Result<()> {
    let mut gen = CityLots::new();
    let mut line = Vec::with_capacity(4096);
    for _ in 0..count {
        line.clear();
        gen.next_event(&mut line);
        line.push(b'\n');
        w.write_all(&line)?;
    }
    Ok(())
}
