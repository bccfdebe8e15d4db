// ---------------------------------------------------------------------------
// Typos
// ---------------------------------------------------------------------------

/// Levenshtein distance with early exit: returns None if distance > max.
pub fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        bounded_levenshtein(a.as_bytes(), b.as_bytes(), max)
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded_levenshtein(&a, &b, max)
    }
}

fn bounded_levenshtein<T: PartialEq>(a: &[T], b: &[T], max: usize) -> Option<usize> {
    // Common prefix and suffix cost nothing.
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (
        a.get(prefix..).unwrap_or(&[]),
        b.get(prefix..).unwrap_or(&[]),
    );
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a = a.get(..a.len() - suffix).unwrap_or(&[]);
    let b = b.get(..b.len() - suffix).unwrap_or(&[]);
    // `a` is the shorter one.
    let (a, b) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let (n, m) = (a.len(), b.len());
    if m - n > max {
        return None;
    }
    if n == 0 {
        return Some(m);
    }
    // One row of the DP table over `b`, only the diagonal band of half-width
    // `max` computed; values are capped at `cap` (anything above max).
    let cap = max.saturating_add(1);
    let mut stack = [0usize; 64];
    let mut heap = Vec::new();
    let row: &mut [usize] = if m < stack.len() {
        &mut stack[..=m]
    } else {
        heap.resize(m + 1, 0);
        &mut heap
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j.min(cap);
    }
    for (i, x) in a.iter().enumerate() {
        let i = i + 1;
        let lo = i.saturating_sub(max).max(1);
        let hi = i.saturating_add(max).min(m);
        // D[i][lo-1]: the first column, or outside the band.
        let mut left = if lo == 1 { i.min(cap) } else { cap };
        let mut diagonal = row[lo - 1];
        row[lo - 1] = left;
        let mut best = left;
        for (j, y) in b.iter().enumerate().take(hi).skip(lo - 1) {
            let up = row[j + 1];
            let substitution = diagonal.saturating_add(usize::from(x != y));
            let value = substitution
                .min(up.saturating_add(1))
                .min(left.saturating_add(1))
                .min(cap);
            diagonal = up;
            row[j + 1] = value;
            left = value;
            best = best.min(value);
        }
        if hi < m {
            row[hi + 1] = cap;
        }
        if best > max {
            return None;
        }
    }
    Some(row[m]).filter(|d| *d <= max)
}

/// The typo budget for a query term of this many chars: 0 for ≤ 3, 1 for
/// 4..=7, 2 for ≥ 8.
pub fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}
