"""Random damage to a message, as broken senders, relays and truncated files do it."""

from __future__ import annotations

from hypothesis import strategies as st


def mutate(draw, raw: bytes, insertions: list[bytes], *, most: int = 6) -> bytes:
    """Up to `most` flips, cuts, insertions (of one of `insertions`), truncations and
    duplications at drawn places."""
    damaged = bytearray(raw)
    for _ in range(draw(st.integers(1, most))):
        position = draw(st.integers(0, len(damaged)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "truncate", "duplicate"]))
        if action == "flip" and damaged:
            damaged[min(position, len(damaged) - 1)] = draw(st.integers(0, 255))
        elif action == "cut":
            del damaged[position : position + draw(st.integers(1, 300))]
        elif action == "insert":
            damaged[position:position] = draw(st.sampled_from(insertions))
        elif action == "truncate":
            del damaged[position:]
        elif action == "duplicate":
            damaged[position:position] = damaged[:position][-300:]
    return bytes(damaged)
