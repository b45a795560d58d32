"""Crime trends: counts and rates by crime type and area over time, with process control, outcomes and stop and search."""

from cspdash.ui import shell, trend_blocks

selection = shell.page_header(
    "Crime trends", "How has crime changed over time, in which areas, and is the change more than normal variation?"
)
view = trend_blocks.trend_filters(selection)
trend_blocks.trend_chart(selection, view)
trend_blocks.spc_block(selection, view)
trend_blocks.outcomes_block(selection, view)
trend_blocks.stop_search_block(selection)
