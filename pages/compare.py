"""How do we compare? Rates against the force, similar partnerships and every partnership loaded."""

from cspdash.ui import compare_blocks, shell

selection = shell.page_header(
    "How do we compare?", "Is our rate high for an area like ours, against the force and similar partnerships?"
)
crime_type = compare_blocks.crime_type_choice()
compare_blocks.answer(selection, crime_type)
compare_blocks.side_by_side(selection, crime_type)
compare_blocks.funnel_block(selection, crime_type)
compare_blocks.rate_trend(selection, crime_type)
compare_blocks.by_type(selection)
compare_blocks.similar_block(selection, crime_type)
