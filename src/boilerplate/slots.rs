//! The learning table's map from a line's key (an xxh3 hash) to its 32-bit
//! slot: open addressing with linear probing, the key stored beside its
//! value in one 16-byte cell.
//!
//! Why not `std`'s map: at corpus scale the table outgrows the caches
//! (about 9 million distinct lines, 250-370 MB, per GB of news), and
//! nearly every lookup is a miss to memory. `std`'s map reads a control
//! group and then the bucket, two misses; a cell here is one. And a
//! document's keys are all known before any is counted, so
//! [`SlotMap::touch`] loads their cells first, independently of each
//! other, letting the processor wait for all of those misses at once
//! instead of one after another.
//!
//! Key 0 marks an empty cell; the key 0 itself is kept beside the cells.
//! The table doubles when three quarters full.

/// One cell: `key` 0 is empty.
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(16))]
struct Cell {
    key: u64,
    value: u32,
}

/// A map from `u64` keys to `u32` values (see the module's comment).
#[derive(Debug, Default)]
pub(super) struct SlotMap {
    /// A power of two long, or empty.
    cells: Vec<Cell>,
    /// `64 - log2(cells.len())`: a key's home cell is the top bits of its
    /// product with an odd constant.
    shift: u32,
    /// Occupied cells (not counting `zero`).
    len: usize,
    /// The value of key 0.
    zero: Option<u32>,
}

/// The smallest table allocated.
const MIN_CELLS: usize = 16;

impl SlotMap {
    /// Keys in the map.
    pub(super) fn len(&self) -> usize {
        self.len + usize::from(self.zero.is_some())
    }

    /// Bytes allocated for cells.
    pub(super) fn bytes(&self) -> usize {
        self.cells.capacity() * std::mem::size_of::<Cell>()
    }

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Whether `more` keys fit without the load passing three quarters.
    fn fits(&self, more: usize) -> bool {
        (self.len + more) * 4 <= self.cells.len() * 3
    }

    /// Makes room for `more` new keys, so that inserting them moves no cell.
    pub(super) fn reserve(&mut self, more: usize) {
        if self.fits(more) {
            return;
        }
        let mut n = self.cells.len().max(MIN_CELLS);
        while (self.len + more) * 4 > n * 3 {
            n *= 2;
        }
        let old = std::mem::take(&mut self.cells);
        self.cells = vec![Cell::default(); n];
        self.shift = 64 - n.trailing_zeros();
        for cell in old.into_iter().filter(|c| c.key != 0) {
            let i = self.vacant(cell.key);
            self.cells[i] = cell;
        }
    }

    /// The first empty cell from `key`'s home (the key is not in the map).
    fn vacant(&self, key: u64) -> usize {
        let mask = self.cells.len() - 1;
        let mut i = self.home(key);
        while self.cells[i].key != 0 {
            i = (i + 1) & mask;
        }
        i
    }

    /// The cell holding `key`, or the empty cell where it would go.
    fn find(&self, key: u64) -> usize {
        let mask = self.cells.len() - 1;
        let mut i = self.home(key);
        loop {
            let k = self.cells[i].key;
            if k == key || k == 0 {
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    /// Loads the home cell of each key, so that the lookups that follow
    /// find them in cache. The loads do not depend on each other: their
    /// misses to memory overlap.
    pub(super) fn touch(&self, keys: &[u64]) {
        if self.cells.is_empty() {
            return;
        }
        let mut fold = 0u64;
        for &key in keys {
            fold ^= self.cells[self.home(key)].key;
        }
        std::hint::black_box(fold);
    }

    /// The value of `key`.
    pub(super) fn get(&self, key: u64) -> Option<u32> {
        if key == 0 {
            return self.zero;
        }
        if self.cells.is_empty() {
            return None;
        }
        let cell = self.cells[self.find(key)];
        (cell.key == key).then_some(cell.value)
    }

    /// Inserts `key` with `value` and gives `None` when it is new; gives
    /// its current value, to update, when it is not (`value` unused).
    pub(super) fn insert_or_get(&mut self, key: u64, value: u32) -> Option<&mut u32> {
        if key == 0 {
            return match self.zero {
                Some(ref mut v) => Some(v),
                None => {
                    self.zero = Some(value);
                    None
                }
            };
        }
        if !self.fits(1) {
            self.reserve(1);
        }
        let i = self.find(key);
        if self.cells[i].key == key {
            return Some(&mut self.cells[i].value);
        }
        self.cells[i] = Cell { key, value };
        self.len += 1;
        None
    }

    /// Every key and its value (key 0 first, then in cell order).
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.zero.map(|v| (0, v)).into_iter().chain(
            self.cells
                .iter()
                .filter(|c| c.key != 0)
                .map(|c| (c.key, c.value)),
        )
    }

    /// Keeps the keys for which `keep` is true (it may change their
    /// values), in place: no second table, which at corpus scale would be
    /// hundreds of megabytes at the peak of the run's memory. Cells are
    /// visited once, in cell order from just after an empty one, so each
    /// run of occupied cells is swept from its start: a kept cell moves to
    /// the first empty cell from its home, which the sweep has already
    /// passed (or is its own), and lookups find it again.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(u64, &mut u32) -> bool) {
        if let Some(mut v) = self.zero {
            self.zero = keep(0, &mut v).then_some(v);
        }
        // The load stays at most three quarters: there is an empty cell.
        let Some(start) = self.cells.iter().position(|c| c.key == 0) else {
            return;
        };
        let mask = self.cells.len() - 1;
        for step in 1..self.cells.len() {
            let i = (start + step) & mask;
            let mut cell = std::mem::take(&mut self.cells[i]);
            if cell.key == 0 {
                continue;
            }
            if keep(cell.key, &mut cell.value) {
                let j = self.vacant(cell.key);
                self.cells[j] = cell;
            } else {
                self.len -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    #[derive(Debug, Clone)]
    enum Op {
        Upsert(u64, u32),
        Get(u64),
        Reserve(usize),
        Touch(Vec<u64>),
        /// Drop the keys whose value is divisible by the divisor, halve
        /// the rest.
        Retain(u32),
    }

    /// Keys from a small set (so they repeat), with 0 and keys whose home
    /// cells collide (equal high bits after the multiply are likely among
    /// keys that differ only in their top bits).
    fn key() -> impl Strategy<Value = u64> {
        prop_oneof![
            Just(0u64),
            0u64..48,
            (0u64..16).prop_map(|k| k << 59),
            any::<u64>(),
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            8 => (key(), any::<u32>()).prop_map(|(k, v)| Op::Upsert(k, v)),
            3 => key().prop_map(Op::Get),
            1 => (0usize..100).prop_map(Op::Reserve),
            1 => proptest::collection::vec(key(), 0..8).prop_map(Op::Touch),
            1 => (2u32..5).prop_map(Op::Retain),
        ]
    }

    proptest! {
        /// The map behaves as `std`'s map with "insert if absent, else add
        /// one to the value".
        #[test]
        fn behaves_as_std_map(ops in proptest::collection::vec(op(), 0..400)) {
            let mut map = SlotMap::default();
            let mut oracle: HashMap<u64, u32> = HashMap::new();
            for op in ops {
                match op {
                    Op::Upsert(k, v) => {
                        let got = map.insert_or_get(k, v).map(|x| {
                            *x = x.wrapping_add(1);
                            *x
                        });
                        let want = match oracle.get_mut(&k) {
                            Some(x) => {
                                *x = x.wrapping_add(1);
                                Some(*x)
                            }
                            None => {
                                oracle.insert(k, v);
                                None
                            }
                        };
                        prop_assert_eq!(got, want);
                    }
                    Op::Get(k) => {
                        prop_assert_eq!(map.get(k), oracle.get(&k).copied());
                    }
                    Op::Reserve(n) => {
                        map.reserve(n);
                        prop_assert!(map.fits(n));
                    }
                    Op::Touch(keys) => map.touch(&keys),
                    Op::Retain(d) => {
                        let halve = |_: u64, v: &mut u32| {
                            let keep = *v % d != 0;
                            *v /= 2;
                            keep
                        };
                        map.retain(halve);
                        oracle.retain(|&k, v| halve(k, v));
                    }
                }
                prop_assert_eq!(map.len(), oracle.len());
            }
            let mut all: Vec<(u64, u32)> = map.iter().collect();
            all.sort_unstable();
            let mut want: Vec<(u64, u32)> = oracle.into_iter().collect();
            want.sort_unstable();
            prop_assert_eq!(all, want);
        }
    }

    #[test]
    fn grows_past_three_quarters_and_keeps_every_key() {
        let mut map = SlotMap::default();
        for k in 1..=10_000u64 {
            assert!(map.insert_or_get(k * 0x1_0000_0001, k as u32).is_none());
            assert!(map.len * 4 <= map.cells.len() * 3);
        }
        for k in 1..=10_000u64 {
            assert_eq!(map.get(k * 0x1_0000_0001), Some(k as u32));
        }
        assert_eq!(map.get(3), None);
    }
}
