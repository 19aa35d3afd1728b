namespace Insiders.Synthetic;

/// <summary>Upper-case gift-shop descriptions in the style of the real catalogue ("JUMBO BAG RED RETROSPOT").</summary>
internal static class ProductNames
{
    private static readonly string[] Themes =
    [
        "RED RETROSPOT", "PINK POLKADOT", "BLUE SPOTTY", "WHITE", "IVORY", "CREAM", "PINK", "RED", "BLUE", "GREEN",
        "BLACK", "SILVER", "GOLD", "VINTAGE", "REGENCY", "PANTRY", "SPACEBOY", "DOLLY GIRL", "SKULL", "STRAWBERRY",
        "UNION JACK", "FAIRY CAKE", "WOODLAND", "CHRISTMAS", "HEART", "BIRD", "BUTTERFLY", "FLORAL", "PAISLEY",
        "JAM MAKING", "ENGLISH ROSE", "SWEETHEART", "ZINC", "ENAMEL", "GLASS", "WOODEN", "CERAMIC", "ANTIQUE", "RETRO",
        "BAROQUE", "EDWARDIAN", "VICTORIAN", "FELTCRAFT", "LOVE BIRD", "POPPY", "SNOWFLAKE", "STAR", "ALPHABET",
        "CIRCUS PARADE", "RABBIT", "OWL", "APPLE", "LEMON", "CHERRY", "PARTY", "GARDEN", "KITCHEN", "TEA TIME",
        "STRIPE", "GINGHAM", "BEADED", "DAISY", "ROSE", "LILAC", "TURQUOISE", "CHOCOLATE", "HOMEMADE", "FRENCH",
        "SCANDINAVIAN", "MOROCCAN", "TOADSTOOL", "REINDEER", "ANGEL", "CAMPHOR WOOD", "MERCURY GLASS", "DAISIES",
    ];

    private static readonly string[] Items =
    [
        "T-LIGHT HOLDER", "LANTERN", "COAT HANGER", "HOT WATER BOTTLE", "CAKE TINS", "LUNCH BAG", "JUMBO BAG",
        "CAKESTAND", "CAKE CASES", "TEA CUP AND SAUCER", "MUG", "NAPKINS", "PAPER CHAIN KIT", "BUNTING", "DOORMAT",
        "CUSHION COVER", "PHOTO FRAME", "CANDLE", "NIGHT LIGHT", "ALARM CLOCK", "KEY RING", "NOTEBOOK", "PENCILS",
        "STICKERS", "WRAP", "GIFT BAG", "TISSUES", "CHOPSTICKS", "SPOON", "BOWL", "PLATE", "TRAY", "BOTTLE OPENER",
        "METAL SIGN", "WALL CLOCK", "GARLAND", "WREATH", "DECORATION", "ORNAMENT", "HAIR SLIDE", "NECKLACE",
        "BRACELET", "EARRINGS", "PURSE", "APRON", "OVEN GLOVE", "TEA TOWEL", "PIGGY BANK", "PLANT POT", "WATERING CAN",
        "BIRD FEEDER", "PARASOL", "UMBRELLA", "HAND WARMER", "DOOR STOP", "STORAGE JAR", "BISCUIT TIN", "JAM JAR",
        "SHOPPING BAG", "CHARLOTTE BAG", "PEG BAG", "SOAP DISH", "MIRROR", "DRAWER KNOB", "HOOK", "PEGS",
        "GREETING CARD", "GIFT TAPE", "RIBBONS", "BABY BIB", "SNOW GLOBE", "MONEY BOX", "PLACEMATS", "COASTERS",
        "RECIPE BOX", "PICNIC BASKET", "WASHBAG", "DOILIES", "PARTY BAGS", "BALLOONS", "CHALKBOARD", "HEART DECORATION",
    ];

    private static readonly string[] Prefixes =
    [
        "SET OF 3", "SET OF 4", "SET OF 6", "SET/2", "PACK OF 12", "PACK OF 20", "PACK OF 72", "JUMBO", "MINI",
        "SMALL", "LARGE", "ASSORTED", "HANGING", "3 TIER",
    ];

    private static readonly string[] Suffixes = ["DESIGN", "SMALL", "LARGE", "IN BOX", "WITH BELL", "ON STICK", "SET"];

    /// <summary>
    /// The descriptions of one product family: <paramref name="variants"/> items that differ only in their theme or
    /// colour (sold under one base stock code with letter suffixes, like 85099B/85099C).
    /// </summary>
    public static string[] Family(Random random, int variants)
    {
        var item = Items[random.Next(Items.Length)];
        var prefix = random.NextDouble() < 0.3 ? Prefixes[random.Next(Prefixes.Length)] + " " : "";
        var suffix = random.NextDouble() < 0.12 ? " " + Suffixes[random.Next(Suffixes.Length)] : "";
        var style = random.NextDouble();
        var names = new string[variants];
        for (var v = 0; v < variants; v++)
        {
            var theme = Themes[random.Next(Themes.Length)];
            names[v] = style switch
            {
                < 0.010 => $"{item}, {theme}", // a comma: exercises CSV quoting, like "TRAY, BREAKFAST IN BED"
                < 0.015 => $"LETTER \"{(char)('A' + random.Next(26))}\" {theme} {item}", // quotes, like LETTER "D" BLING KEY RING
                < 0.30 => $"{prefix}{item} {theme}{suffix}",
                _ => $"{prefix}{theme} {item}{suffix}",
            };
        }

        return names;
    }
}
