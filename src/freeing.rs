//! Big lists held gently: taken item by item while their buffer shrinks behind them (a loop
//! over 100,000 plan rows, or a parse's 100,000 raw items, that makes something of each no
//! longer holds every one until it ends, beside what it makes), and grown by an eighth, not
//! doubled, while they fill.

/// The items of `list`, first to last, each let go once taken and the list's buffer shrunk as
/// it empties: shrunk each time an eighth of it is taken, so the buffer is never more than
/// a seventh larger than what is left (a sync saves its first keys after an eighth of its
/// creates, beside the rest of its plan). A shrink copies what is left at worst (a big
/// buffer is usually shrunk where it is): at most about seven times the list in all.
pub fn take_freeing<T>(mut list: Vec<T>) -> impl Iterator<Item = T> {
    list.reverse();
    std::iter::from_fn(move || {
        let item = list.pop()?;
        if list.capacity() > 64 && list.len() < list.capacity() / 8 * 7 {
            list.shrink_to_fit();
        }
        Some(item)
    })
}

/// Pushes `item`, growing a full `list` by an eighth of its length (at least 1,024 items)
/// rather than doubling it: a list of 100,000 rows filled one by one is then at most an eighth
/// larger than its items, not up to twice, and a growth holds the old buffer beside a new one
/// ⁹⁄₈ its size, not twice. Each growth may copy the list: about nine copies of each item in
/// all, still linear.
pub fn push_gently<T>(list: &mut Vec<T>, item: T) {
    if list.len() == list.capacity() {
        list.reserve_exact((list.len() / 8).max(1024));
    }
    list.push(item);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_in_order_and_the_buffer_shrinks_behind_them() {
        let list: Vec<u64> = (0..10_000).collect();
        let mut taken = take_freeing(list);
        assert!(taken.by_ref().take(5_000).eq(0..5_000));
        assert!(taken.eq(5_000..10_000));
    }

    #[test]
    fn a_list_filled_gently_has_room_for_an_eighth_more_at_most() {
        let mut list = Vec::new();
        for n in 0..100_000u64 {
            push_gently(&mut list, n);
            assert!(list.capacity() <= list.len() + (list.len() / 8).max(1024));
        }
        assert!(list.iter().copied().eq(0..100_000));
    }
}
