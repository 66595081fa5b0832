package org.yuqing.elasticsearch.cjk;

import java.util.Map;

import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Registers the token filters {@code cjk_bigram} and {@code cjk_width} under the names and with the
 * options of Elasticsearch's analysis-common module, for builds that lack that module. Install it
 * only where the module is absent: two plugins registering one name stop the node.
 */
public final class CjkAnalysisPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "cjk_bigram", CjkBigramFilterFactory::new,
            "cjk_width", CjkWidthFilterFactory::new
        );
    }
}
