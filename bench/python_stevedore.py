"""Python stevedore's discovery of one group, for bench/run.mjs: the side-by-side run.

Usage: python3 python_stevedore.py SITE_PACKAGES GROUP
Lists the group's entry points the way stevedore's managers do
(stevedore._cache, the cache behind ExtensionManager.list_entry_points),
with only SITE_PACKAGES on sys.path, and prints how many it found.
The cache folder is $XDG_CACHE_HOME/python-entrypoints, as in stevedore.
"""
import sys

from stevedore import _cache

site, group = sys.argv[1], sys.argv[2]
sys.path[:] = [site]
print(len(_cache.Cache().get_group_all(group)))
