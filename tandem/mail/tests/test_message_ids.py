from tandem.mail.message_ids import is_ours, make_message_id, ticket_number_of


def test_our_ids_name_their_ticket_and_are_unique():
    first, second = make_message_id(42), make_message_id(42)
    assert first != second
    assert ticket_number_of(first) == 42 and ticket_number_of(f"<{second}>") == 42


def test_forged_or_foreign_ids_name_no_ticket():
    ours = make_message_id(7)
    forged = ours.replace("tandem.t7.", "tandem.t8.", 1)
    assert ticket_number_of(forged) is None
    assert ticket_number_of("CAF=abc@mail.gmail.com") is None
    assert not is_ours("")
