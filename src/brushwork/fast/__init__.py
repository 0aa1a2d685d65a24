"""Fast feed-forward style networks (Johnson et al. 2016) and video."""
