//! Taking a big list's items one by one while its buffer shrinks behind them: a loop over
//! 100,000 plan rows (or a parse's 100,000 raw items) that makes something of each no longer
//! holds every one until it ends, beside what it makes.

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
}
