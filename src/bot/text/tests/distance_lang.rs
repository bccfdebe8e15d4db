use super::*;

#[test]
fn edit_distance() {
    assert_eq!(edit_distance_within("shiping", "shipping", 1), Some(1));
    assert_eq!(edit_distance_within("pasword", "password", 1), Some(1));
    assert_eq!(edit_distance_within("refnd", "refund", 1), Some(1));
    assert_eq!(edit_distance_within("abc", "xyz", 1), None);
    assert_eq!(edit_distance_within("abc", "xyz", 3), Some(3));
    assert_eq!(edit_distance_within("same", "same", 0), Some(0));
    assert_eq!(edit_distance_within("", "", 0), Some(0));
    assert_eq!(edit_distance_within("", "abc", 3), Some(3));
    assert_eq!(edit_distance_within("", "abc", 2), None);
    assert_eq!(edit_distance_within("kitten", "sitting", 3), Some(3));
    assert_eq!(edit_distance_within("kitten", "sitting", 2), None);
    assert_eq!(edit_distance_within("pengiriman", "pengirman", 2), Some(1));
    assert_eq!(edit_distance_within("transfer", "trasnfer", 2), Some(2));
    assert_eq!(edit_distance_within("flaw", "lawn", 2), Some(2));
    assert_eq!(edit_distance_within("ab", "ba", usize::MAX), Some(2));
    // Chars, not bytes.
    assert_eq!(edit_distance_within("café", "cafe", 1), Some(1));
    assert_eq!(edit_distance_within("naïve", "naive", 1), Some(1));
    assert_eq!(edit_distance_within("日本語", "日本", 1), Some(1));
    assert_eq!(edit_distance_within("😀😀", "😀😃", 1), Some(1));
    assert_eq!(edit_distance_within("مرحبا", "مرحب", 1), Some(1));
    // Symmetric, and agrees with the unbounded distance.
    let words = [
        "refund", "refnud", "rfund", "shipping", "shpiping", "pesanan", "pesan", "", "x",
    ];
    for a in words {
        for b in words {
            let full = naive(a, b);
            for max in 0..5 {
                let want = (full <= max).then_some(full);
                assert_eq!(edit_distance_within(a, b, max), want, "{a} {b} {max}");
                assert_eq!(edit_distance_within(b, a, max), want, "{b} {a} {max}");
            }
        }
    }
}

fn naive(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            row[j + 1] = (prev[j] + usize::from(x != y))
                .min(prev[j + 1] + 1)
                .min(row[j] + 1);
        }
        prev = row;
    }
    prev[b.len()]
}

#[test]
fn typo_budgets() {
    assert_eq!(
        (0..=10).map(typo_budget).collect::<Vec<_>>(),
        [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    );
}

#[test]
fn language_guess() {
    let indonesian = [
        "kak brp ongkir ke medan?",
        "pesanan saya blm sampai nih, udah 5 hari",
        "gmn cara refund ya min?",
        "sy udh tf tp status msh belum dibayar",
        "halo kak, barangnya rusak, bisa retur gak?",
        "kapan paket saya dikirim?",
        "min, voucher gratis ongkir ga bisa dipake",
        "mau tanya, bisa COD ke Surabaya?",
        "tolong cek pesanan saya dong, nomor resinya gak muncul",
        "makasih kak atas bantuannya 🙏",
    ];
    let english = [
        "Hi, where is my order? It's been 5 days.",
        "How do I get a refund for a damaged item?",
        "can u check the status of my package pls",
        "I want to cancel my order",
        "My payment went through but the order still shows unpaid",
        "Do you ship to Singapore?",
        "thx for the help!",
        "The tracking number doesn't work",
        "Is cash on delivery available in Jakarta?",
        "hello, i was charged twice for the same order",
    ];
    for m in indonesian {
        assert_eq!(guess_lang(m), Some("id"), "{m}");
    }
    for m in english {
        assert_eq!(guess_lang(m), Some("en"), "{m}");
    }
    for unsure in [
        "",
        "ok",
        "👍",
        "COD",
        "refund",
        "promo voucher",
        "ok thanks kak",
        "12345",
    ] {
        assert_eq!(guess_lang(unsure), None, "{unsure}");
    }
    assert_eq!(guess_lang("kak my order belum sampai"), Some("id"));
}
