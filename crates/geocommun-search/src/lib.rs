//! geocommun-search
