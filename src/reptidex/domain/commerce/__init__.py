"""The commerce context: money in integer minor units, marketplace listings and their states,
orders and their state machine, and the double-entry ledger of the money that moves.

The modules: :mod:`money` (currencies and amounts), :mod:`listing_model` and
:mod:`order_model` (the entities and their transitions), :mod:`ledger` (balanced postings),
:mod:`ports` (repositories, unit of work, the animal catalogue), :mod:`events` (payloads), and
the use cases :mod:`listings` and :mod:`orders`.
"""
