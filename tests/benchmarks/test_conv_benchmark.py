"""benchmarks.conv on a tiny case: one table per thread count, every cell a number."""
from benchmarks import conv


def test_conv_table_has_a_row_per_case_and_pass_and_numbers_in_every_cell():
    cases = [("tiny", (2, 4, 6, 6), (8, 4, 3, 3), 1, 1), ("tiny depthwise", (2, 4, 6, 6), (4, 1, 3, 3), 2, 1)]
    out = conv.table(1, repeats=1, torch=None, cases=cases)
    lines = out.splitlines()
    assert lines[0] == ("| case | pass | reference ms | cpu ms | ref/cpu | cpu GFLOP/s | cpu % of peak "
                        "| cpu first call ms |")
    rows = [line.strip("| ").split(" | ") for line in lines[2:6]]
    assert [r[:2] for r in rows] == [["tiny", "fwd"], ["tiny", "fwd+bwd"],
                                     ["tiny depthwise", "fwd"], ["tiny depthwise", "fwd+bwd"]]
    for r in rows:
        float(r[2]), float(r[3]), float(r[4].rstrip("x")), float(r[5]), float(r[6].rstrip("%"))
    assert "threads: 1" in out and "GFLOP/s" in out
    assert conv.flops((2, 4, 6, 6), (8, 4, 3, 3), 1, 1) == 2.0 * 2 * 8 * 36 * 4 * 9
