"""Overview: what has changed in the partnership's area, is it real, and where to look next."""

from cspdash.ui import compare_blocks, overview_blocks, shell

selection = shell.page_header(
    "Overview", "What has changed, is it real or normal variation, and where should the committee look next?"
)
overview_blocks.freshness_banner(selection)
overview_blocks.headline_tiles(selection)
# the picture behind the tiles comes next, in the first screen and before the secondary blocks are drawn
overview_blocks.headline_chart(selection)
compare_blocks.overview_section(selection)
overview_blocks.exceptions(selection)
overview_blocks.plan_summary(selection)
