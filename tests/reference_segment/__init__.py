"""Oracle: segment.py, posts.py and meta.py as they were before the whole-document rewrite (lbdedup 6b53f93).

tests/test_segment_oracle.py checks that the new segmentation gives exactly the blocks, kinds, posts and
times these give. Changes of meaning made since are mirrored here (meta.py: the French, German, Spanish and
Italian date and time forms).
"""
