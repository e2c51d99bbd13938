from pied.bench.metrics import edit_similarity, levenshtein, percentile


def test_levenshtein():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("", "abc") == 3
    assert levenshtein("same", "same") == 0


def test_edit_similarity():
    assert edit_similarity("abc", "abc") == 100.0
    assert edit_similarity("", "") == 100.0
    assert edit_similarity("abcd", "abce") == 75.0


def test_percentile():
    assert percentile([1, 2, 3, 4, 5], 50) == 3
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 90) == 10
    assert percentile([], 50) == 0.0
