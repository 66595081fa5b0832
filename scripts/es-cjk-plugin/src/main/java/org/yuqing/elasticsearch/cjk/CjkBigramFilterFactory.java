package org.yuqing.elasticsearch.cjk;

import java.util.List;
import java.util.Locale;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.index.IndexSettings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.lucene.analysis.miscellaneous.DisableGraphAttribute;

/**
 * {@code cjk_bigram}: Lucene's {@link CJKBigramFilter} behind the options of the official filter.
 * <ul>
 *   <li>{@code ignored_scripts}: any of han, hangul, hiragana, katakana; those scripts are not
 *       turned into bigrams. An unknown name is refused rather than silently ignored, so a typo
 *       cannot quietly change how an index is analyzed.</li>
 *   <li>{@code output_unigrams} (default false): also emit every single character.</li>
 * </ul>
 */
public final class CjkBigramFilterFactory extends AbstractTokenFilterFactory {

    private final int flags;
    private final boolean outputUnigrams;

    public CjkBigramFilterFactory(IndexSettings indexSettings, Environment environment, String name, Settings settings) {
        super(name, settings);
        this.outputUnigrams = settings.getAsBoolean("output_unigrams", false);
        int scripts = CJKBigramFilter.HAN | CJKBigramFilter.HIRAGANA | CJKBigramFilter.KATAKANA | CJKBigramFilter.HANGUL;
        for (String script : settings.getAsList("ignored_scripts", List.of())) {
            scripts &= ~scriptFlag(name, script);
        }
        this.flags = scripts;
    }

    private static int scriptFlag(String filterName, String script) {
        return switch (script.toLowerCase(Locale.ROOT)) {
            case "han" -> CJKBigramFilter.HAN;
            case "hiragana" -> CJKBigramFilter.HIRAGANA;
            case "katakana" -> CJKBigramFilter.KATAKANA;
            case "hangul" -> CJKBigramFilter.HANGUL;
            default -> throw new IllegalArgumentException(
                "[" + filterName + "] unknown script [" + script + "] in ignored_scripts; expected han, hangul, hiragana or katakana"
            );
        };
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        CJKBigramFilter filter = new CJKBigramFilter(tokenStream, flags, outputUnigrams);
        if (outputUnigrams) {
            // Unigrams and bigrams overlap in position; as a token graph that would make query
            // parsing build a needlessly large set of paths, so query it as a flat stream.
            filter.addAttribute(DisableGraphAttribute.class);
        }
        return filter;
    }
}
