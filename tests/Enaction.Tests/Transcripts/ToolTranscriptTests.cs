using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Enaction.Transcripts;
using Microsoft.Extensions.AI;

namespace Enaction.Tests.Transcripts;

/// <summary>Tool definitions and tool calls in transcripts: from Microsoft.Extensions.AI messages and options, and in the JSON format.</summary>
public class ToolTranscriptTests
{
    [Description("Current weather for a city.")]
    private static string GetWeather([Description("City name")] string city) => city;

    [Fact]
    public void Tools_come_from_chat_options_and_calls_from_function_call_contents()
    {
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")] };
        List<ChatMessage> messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new TextContent("Let me check."), new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "21 C")]),
        ];

        var transcript = ChatMessageConversion.ToTranscript(messages, options);

        var tool = Assert.Single(transcript.Tools!);
        Assert.Equal(("get_weather", "Current weather for a city."), (tool.Name, tool.Description));
        using (var schema = JsonDocument.Parse(tool.ParametersJson))
            Assert.Equal("string", schema.RootElement.GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        var call = Assert.Single(transcript[1].ToolCalls!);
        Assert.Equal(("get_weather", "{\"city\":\"Paris\"}", "c1"), (call.Name, call.ArgumentsJson, call.Id));
        // The content still writes the call out (templates without tools render it); templates with tools get the text alone.
        Assert.Equal("Let me check.\ncall get_weather({\"city\":\"Paris\"})", transcript[1].Content);
        Assert.Equal("Let me check.", transcript[1].TextWithoutToolCalls);
        Assert.Null(transcript[0].ToolCalls);
        Assert.Same(transcript.Tools, transcript.Append(TranscriptMessage.User("ok")).Tools);
        Assert.Null(ChatMessageConversion.ToTranscript(messages, null).Tools);
    }

    [Fact]
    public void A_call_without_arguments_is_recognised_in_the_content()
    {
        var message = ChatMessageConversion.ToMessage(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c2", "get_time")]));
        Assert.Equal("call get_time()", message.Content);
        Assert.Equal("", message.TextWithoutToolCalls);
    }

    [Fact]
    public void Tools_and_tool_calls_round_trip_through_the_transcript_json()
    {
        const string json = """
            {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather.", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
             "messages": [
               {"role": "user", "content": "Paris?"},
               {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "id": "c1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
               {"role": "tool", "content": "21"},
               {"role": "assistant", "content": "Sunny.", "tool_calls": [{"function": {"name": "get_time", "arguments": "{\"zone\": \"CET\"}"}}]}]}
            """;
        var transcript = TranscriptJson.Parse(Encoding.UTF8.GetBytes(json)).Transcript;

        Assert.Equal("{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}", Assert.Single(transcript.Tools!).ParametersJson);
        Assert.Equal(new ToolCall("get_weather", "{\"city\": \"Paris\"}", "c1"), Assert.Single(transcript[1].ToolCalls!));
        Assert.Equal(new ToolCall("get_time", "{\"zone\": \"CET\"}"), Assert.Single(transcript[3].ToolCalls!));

        var again = TranscriptJson.Parse(Encoding.UTF8.GetBytes(TranscriptJson.ToJson(transcript))).Transcript;
        Assert.Equal("get_weather", Assert.Single(again.Tools!).Name);
        Assert.Equal("get_weather", Assert.Single(again[1].ToolCalls!).Name);
        using var args = JsonDocument.Parse(again[3].ToolCalls![0].ArgumentsJson);
        Assert.Equal("CET", args.RootElement.GetProperty("zone").GetString());
    }

    [Fact]
    public void A_malformed_tool_call_names_the_message_and_line()
    {
        const string json = "{\"messages\": [\n {\"role\": \"assistant\", \"content\": \"\",\n  \"tool_calls\": [{\"function\": {\"arguments\": {}}}]}]}";
        var e = Assert.Throws<TranscriptFormatException>(() => TranscriptJson.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Equal(3, e.Line);
        Assert.Contains("message 0: tool call 0 needs", e.Message);
    }
}
